import type { ReactNode } from "react";

/** An honest placeholder for a screen that is not built yet. */
export function Upcoming({ arrivesWith, children }: { arrivesWith: string; children: ReactNode }) {
  return (
    <section className="card upcoming">
      <p className="upcoming-badge">Not built yet</p>
      <p className="upcoming-lead">Arrives with {arrivesWith}.</p>
      <p className="muted">{children}</p>
    </section>
  );
}
