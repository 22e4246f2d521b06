import type { Principal } from '../../plugins/access.ts';
import type { RegistryService } from '../../modules/registry/registry.service.ts';

/** Notes about buildings, in memory: enough to show a module reading another through its services. */
export class ExampleNotesService {
  private readonly notes = new Map<number, string[]>();
  /** Runs of its job. */
  ticks = 0;

  constructor(private readonly registry: RegistryService) {}

  /** The notes of a building the caller may see (the registry narrows, and answers 404). */
  async list(buildingId: number, principal: Principal): Promise<{ buildingId: number; notes: string[] }> {
    await this.registry.getBuilding(buildingId, principal);
    return { buildingId, notes: this.notes.get(buildingId) ?? [] };
  }

  notesOf(buildingId: number): readonly string[] {
    return this.notes.get(buildingId) ?? [];
  }

  /** The demo's note on building 1, unless it is there already. */
  async seedDemo(): Promise<void> {
    if (this.notesOf(1).length === 0) this.notes.set(1, ['Boiler serviced in October']);
  }

  async tick(): Promise<void> {
    this.ticks++;
  }
}
