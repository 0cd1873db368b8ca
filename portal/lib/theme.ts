/**
 * The colour theme a browser chose with the theme toggle. Kept in a readable cookie (it is a
 * display preference, nothing secret), so the server renders `data-theme` on <html> and the
 * first paint already has the right colours. `system` follows prefers-color-scheme.
 */
export const THEME_COOKIE = "portico_theme";
export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];

export function themeOf(value: string | undefined): Theme {
  return THEMES.find((t) => t === value) ?? "system";
}
