/** Why dist/server needs building again, or null when it is current. */
export function serverStaleReason(root?: string): string | null;
/** Builds into `outdir` (default dist/server). */
export function buildServer(root?: string, outdir?: string): Promise<void>;
export const SERVER_BUILD: string;
export function newest(target: string): number;
