import { defineModule } from '../../module.ts';
import { ExampleNotesService } from './example-notes.service.ts';
import { exampleNotesRoutes } from './example-notes.routes.ts';

// The recipe of a new module, kept in the test suite (not shipped): this folder and one entry in
// the module list are all it takes (here the tests add it to the list they open).

declare module '../../module.ts' {
  interface Services {
    /** Tests only: notes about buildings, as a new feature would keep them. */
    exampleNotes: ExampleNotesService;
  }
}

export const EXAMPLE_JOB = 'example-notes-count';

export const exampleModule = defineModule({
  id: 'example',
  open: ({ registry }) => ({ exampleNotes: new ExampleNotesService(registry) }),
  routes: [{ plugin: exampleNotesRoutes }],
  jobs: ({ exampleNotes }) => [{ name: EXAMPLE_JOB, everyMs: 60_000, run: async () => exampleNotes.tick() }],
  // Its part of the demo: written once, then left alone.
  demo: async ({ exampleNotes }) => exampleNotes.seedDemo(),
});
