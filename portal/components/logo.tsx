/** The Portico mark: a pediment on three columns. Decorative; the name is always beside it. */
export function Logo({ size = 26 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="#4f46e5" />
      <path d="M6 12.5 16 6l10 6.5H6Z" fill="#fff" />
      <rect x="8" y="14.5" width="3" height="9" rx="1" fill="#fff" />
      <rect x="14.5" y="14.5" width="3" height="9" rx="1" fill="#fff" />
      <rect x="21" y="14.5" width="3" height="9" rx="1" fill="#fff" />
      <rect x="6" y="24.5" width="20" height="2" rx="1" fill="#fff" />
    </svg>
  );
}

export function Brand() {
  return (
    <>
      <Logo />
      <span className="brand-name">Portico</span>
    </>
  );
}
