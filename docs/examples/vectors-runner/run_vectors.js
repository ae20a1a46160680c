#!/usr/bin/env node
// Reference vector runner in Node (no dependencies): replays ordercheck vectors
// (checks/schemas/vector.schema.json) against a process adapter that speaks JSON lines.
//   node run_vectors.js vectors.jsonl node docs/examples/node-adapter/oms.js
'use strict'; const { spawn } = require('child_process'), fs = require('fs'), rl = require('readline');
const [file, ...cmd] = process.argv.slice(2);
const proc = spawn(cmd[0], cmd.slice(1)), answers = [], waiting = [];
rl.createInterface({ input: proc.stdout }).on('line', (l) => {
  const a = JSON.parse(l); (waiting.length ? waiting.shift() : (x) => answers.push(x))(a); });
const ask = (req) => new Promise((ok) => {
  proc.stdin.write(JSON.stringify(req) + '\n'); if (answers.length) ok(answers.shift()); else waiting.push(ok); });
const same = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const status = async () => { await ask({ op: 'settle' }); return (await ask({ op: 'status' })).status; };
async function run(v) {
  await ask({ op: 'reset' });
  if (!same(await status(), v.initial)) return `${v.id} initial`;
  for (const [i, s] of v.steps.entries()) {
    for (const bad of s.must_reject) if ((await ask({ op: 'send', command: bad })).accepted) return `${v.id} step ${i + 1}: accepted forbidden`;
    if (!(await ask({ op: 'send', command: s.command })).accepted) return s.may ? null : `${v.id} step ${i + 1}: refused`;
    const got = await status();
    if (!same(got, s.expect)) return (s.also || []).some((o) => same(got, o)) ? null : `${v.id} step ${i + 1}: got ${JSON.stringify(got)}`;
  }
  for (const bad of v.final_must_reject) if ((await ask({ op: 'send', command: bad })).accepted) return `${v.id} end: accepted forbidden`;
  return null;
}
(async () => {
  await ask({ op: 'hello' }); let failed = 0;
  const vecs = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  for (const v of vecs) { const why = await run(v); if (why) { failed++; console.log('FAIL', why); } }
  console.log(`${vecs.length - failed}/${vecs.length} vectors passed`); proc.stdin.end(); process.exit(failed ? 1 : 0);
})();
