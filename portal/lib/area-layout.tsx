import type { ConsoleArea } from "@portico/shared";
import type { ReactNode } from "react";
import { requireArea } from "./access";

/**
 * A layout that checks a console area before any loading state streams, so a member without
 * it gets a real HTTP redirect rather than a 200 page that redirects once streamed. Each page
 * and action still checks for itself.
 */
export function areaLayout(area: ConsoleArea) {
  return async function AreaLayout({ children }: { children: ReactNode }) {
    await requireArea(area);
    return children;
  };
}
