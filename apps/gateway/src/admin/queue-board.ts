import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BoardAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '@app/config';
import { ProblemException } from '../problem/problem.js';
import { sendProblem } from '../problem/problem.filter.js';
import { GenerationQueues } from '../queues/generation-queues.js';
import { ADMIN_COOKIE, adminTokenVerifier, tokenFrom } from './admin-token.js';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * bull-board for every generation queue at /admin/queues, read-only (jobs belong to tasks: removing one
 * here would strand its task), for holders of video:admin. It is a plain Fastify plugin, so an onRequest
 * hook in its scope checks the token. A browser cannot send a bearer header: open
 * /admin/queues?access_token=<jwt> once, and the token goes into an HttpOnly cookie scoped to the board.
 * Call from main.ts before listen.
 */
export async function installQueueBoard(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const queues = app.get(GenerationQueues);
  const board = new BoardAdapter();
  board.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: config.MODELS.map((model) => new BullAdapter(queues.forModel(model), { readOnlyMode: true })),
    // @bull-board/fastify 9.10.1 pins its own copy of @bull-board/api 9.10.1 (ours is 9.10.2): same interface, separate type declarations.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Video generation queues' } },
  });
  const verify = adminTokenVerifier(config);
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request, reply) => {
      const { token, fromQuery } = tokenFrom(request.headers, request.query);
      const check = await verify(token);
      if (!check.ok) {
        const title = check.status === 401 ? 'Unauthorized' : 'Forbidden';
        const headers: Record<string, string> = check.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
        sendProblem(reply, new ProblemException(check.status, check.status === 401 ? 'unauthorized' : 'forbidden', title, check.detail, {}, headers), request.url);
        return reply;
      }
      if (fromQuery && token) {
        void reply.header('Set-Cookie', `${ADMIN_COOKIE}=${encodeURIComponent(token)}; Path=${QUEUE_BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=3600`);
      }
      return undefined;
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
