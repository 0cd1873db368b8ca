import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { storedTheme } from "@/lib/theme-cookie";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Portico", template: "%s · Portico" },
  description: "Portico tenant console: publish, secure and observe your APIs.",
  robots: { index: false, follow: false },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f5f6f8" },
    { media: "(prefers-color-scheme: dark)", color: "#0c1015" },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const theme = await storedTheme();
  return (
    <html lang="en" data-theme={theme === "system" ? undefined : theme}>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {children}
      </body>
    </html>
  );
}
