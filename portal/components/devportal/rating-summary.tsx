/** Average rating as five stars with the numbers beside them; the stars are decoration. */
export function RatingSummary({ average, count }: { average: number | null; count: number }) {
  if (average === null || count === 0) {
    return <span className="dp-rating dp-muted">Not rated yet</span>;
  }
  const full = Math.round(average);
  return (
    <span className="dp-rating">
      <span className="dp-stars" aria-hidden="true">
        {"★".repeat(full)}
        <span className="dp-stars-off">{"★".repeat(5 - full)}</span>
      </span>
      <span>
        {average.toFixed(1)}
        <span className="visually-hidden"> out of 5</span> ({count} {count === 1 ? "rating" : "ratings"})
      </span>
    </span>
  );
}
