/**
 * How busy a host is over the day and the week, 0..1 of its daily peak. Smooth curves (no steps),
 * because real traffic ramps and a step would look like an incident to every rate feature.
 */

export type LoadShape = 'business' | 'nightly_batch' | 'steady';

const HOUR_MS = 3_600_000;

/** A smooth bump centred on `center` hours (wrapping around midnight) with the given width in hours. */
function bump(hour: number, center: number, width: number): number {
  const distance = Math.min(Math.abs(hour - center), 24 - Math.abs(hour - center));
  return Math.exp(-0.5 * (distance / width) ** 2);
}

/** Local hour (0..24, fractional) and weekday (0 = Sunday) at `timeMs` for a UTC offset in hours. */
export function localClock(timeMs: number, utcOffsetHours: number): { hour: number; weekday: number } {
  const local = timeMs + utcOffsetHours * HOUR_MS;
  const hour = (((local / HOUR_MS) % 24) + 24) % 24;
  const weekday = new Date(local).getUTCDay();
  return { hour, weekday };
}

/**
 * 0 on a weekday, 1 deep inside a weekend, with a six-hour ramp either side of midnight so
 * Saturday morning does not start with a cliff.
 */
function weekendWeight(timeMs: number, utcOffsetHours: number): number {
  const { hour, weekday } = localClock(timeMs, utcOffsetHours);
  const isWeekend = (day: number): number => (day === 0 || day === 6 ? 1 : 0);
  const today = isWeekend(weekday);
  if (hour < 3) return today + (isWeekend((weekday + 6) % 7) - today) * 0.5 * (1 - hour / 3);
  if (hour > 21) return today + (isWeekend((weekday + 1) % 7) - today) * 0.5 * ((hour - 21) / 3);
  return today;
}

/** Load 0..1 at `timeMs` for a shape; weekends scale the daytime part by `weekendFactor`. */
export function dailyLoad(shape: LoadShape, timeMs: number, utcOffsetHours: number, weekendFactor: number): number {
  const { hour } = localClock(timeMs, utcOffsetHours);
  const weekend = weekendWeight(timeMs, utcOffsetHours);
  const daytimeScale = 1 - weekend * (1 - weekendFactor);
  switch (shape) {
    case 'business': {
      // Night trough around 04:00, working-day peak early afternoon, an evening shoulder.
      const daytime = 0.7 * bump(hour, 13.5, 3.5) + 0.25 * bump(hour, 20.5, 1.8);
      return 0.12 + 0.88 * Math.min(1, daytime * daytimeScale);
    }
    case 'nightly_batch': {
      // Light daytime work and a heavy batch window around 02:00 every night, weekends included.
      const daytime = 0.35 * bump(hour, 12, 4) * daytimeScale;
      return Math.min(1, 0.1 + daytime + 0.85 * bump(hour, 2.25, 0.9));
    }
    case 'steady':
      return 0.55 + 0.2 * bump(hour, 14, 5) * daytimeScale;
  }
}
