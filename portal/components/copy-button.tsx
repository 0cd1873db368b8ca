"use client";

import { useEffect, useState } from "react";

type Outcome = "idle" | "copied" | "failed";

/**
 * Copies a value to the clipboard. The Clipboard API exists only in secure contexts (https or
 * localhost); a console reached over plain http on another host falls back to the older
 * selection-based copy, so the button works, and takes its place in the server render.
 */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [outcome, setOutcome] = useState<Outcome>("idle");

  useEffect(() => {
    if (outcome === "idle") {
      return undefined;
    }
    const timer = setTimeout(() => setOutcome("idle"), 1800);
    return () => clearTimeout(timer);
  }, [outcome]);

  return (
    <>
      <button
        type="button"
        className="btn btn-ghost btn-sm"
        onClick={() => {
          copy(value).then((ok) => setOutcome(ok ? "copied" : "failed"));
        }}
      >
        {outcome === "copied" ? "Copied" : outcome === "failed" ? "Copy failed" : "Copy"}
        <span className="visually-hidden"> {label}</span>
      </button>
      <span role="status" className="visually-hidden">
        {outcome === "copied"
          ? `${label} copied to the clipboard`
          : outcome === "failed"
            ? "Could not copy; select the text instead"
            : ""}
      </span>
    </>
  );
}

async function copy(value: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(value);
      return true;
    } catch {
      // permission refused: try the fallback
    }
  }
  const focused = document.activeElement;
  const area = document.createElement("textarea");
  area.value = value;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
    if (focused instanceof HTMLElement) {
      focused.focus();
    }
  }
}
