"use client";

import { useId, useState } from "react";
import { THEME_COOKIE, THEMES, type Theme } from "@/lib/theme";

const LABELS: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };
const ONE_YEAR_S = 365 * 24 * 60 * 60;

/**
 * System / light / dark. Applies at once on this page and stores the choice in a cookie, from
 * which the server renders every next page in that theme.
 */
export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState(initial);
  const id = useId();
  return (
    <div className="theme-toggle">
      <label htmlFor={id} className="visually-hidden">
        Colour theme
      </label>
      <span className="theme-toggle-icon" aria-hidden="true">
        ◐
      </span>
      <select
        id={id}
        className="select select-sm"
        value={theme}
        onChange={(e) => {
          const next = e.target.value as Theme;
          setTheme(next);
          // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser yet
          document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=${ONE_YEAR_S}; samesite=lax`;
          if (next === "system") {
            delete document.documentElement.dataset.theme;
          } else {
            document.documentElement.dataset.theme = next;
          }
        }}
      >
        {THEMES.map((t) => (
          <option key={t} value={t}>
            {LABELS[t]}
          </option>
        ))}
      </select>
    </div>
  );
}
