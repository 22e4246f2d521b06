/**
 * Runs `work` once the browser has painted what is on screen now: data that a page loads as it
 * opens is asked for after its first paint, so the page shows itself (title, layout, loading
 * states) before any request stands in its way. A tab opened in the background (which does not
 * paint) gets its data after a second anyway.
 */
export function afterPaint(work: () => void): void {
  if (typeof requestAnimationFrame !== 'function') {
    work();
    return;
  }
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    work();
  };
  requestAnimationFrame(() => setTimeout(run, 0));
  setTimeout(run, 1000);
}
