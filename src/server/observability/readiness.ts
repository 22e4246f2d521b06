/** One thing an instance needs before it takes traffic, and whether it has it now. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean> | boolean;
}

/**
 * Whether this instance is ready for traffic (a load balancer's question), apart from whether it
 * is alive (`/api/v1/health`): each part that must be up registers its check here.
 */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** Every check's answer; one that throws or takes over `timeoutMs` counts as not ready. */
  async evaluate(timeoutMs = 2000): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const answers = await Promise.all(
      this.checks.map(async ({ name, check }) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        });
        try {
          return [name, await Promise.race([Promise.resolve(check()), late])] as const;
        } catch {
          return [name, false] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: answers.every(([, ok]) => ok), checks: Object.fromEntries(answers) };
  }
}
