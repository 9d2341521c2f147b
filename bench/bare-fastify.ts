/** The baseline: a bare Fastify server answering GET /ping, in its own process like the gateway. */
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 18999);
const app = Fastify({ logger: false });
app.get('/ping', async () => ({ ok: true }));
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
