import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { principalOf } from '../../plugins/access.ts';

export const exampleNotesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const notes = app.platform.exampleNotes;
  app.get(
    '/example/buildings/:buildingId/notes',
    {
      schema: {
        tags: ['example'],
        summary: 'Notes about one building',
        params: Type.Object({ buildingId: Type.Integer({ minimum: 1 }) }),
        response: { 200: Type.Object({ buildingId: Type.Integer(), notes: Type.Array(Type.String()) }) },
      },
      config: { access: { roles: ['admin', 'esco'], scopes: ['read'] }, scope: ['params.buildingId'] },
    },
    async (request) => notes.list(request.params.buildingId, principalOf(request)),
  );
};
