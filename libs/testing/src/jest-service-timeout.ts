// Tests and hooks that talk to Postgres, Redis, the sandbox or a whole app get 60 s unless the spec
// sets its own: booting an api (startApiTestApp) in a 5 s beforeAll failed CI on a busy machine.
// A spec's own jest.setTimeout, at its top, runs after this and wins.
jest.setTimeout(60_000);
