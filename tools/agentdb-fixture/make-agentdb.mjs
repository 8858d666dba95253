// Writes (or grows) a real AgentDB 1.6.1 database file through the agentdb package's own API, so the
// import tests read exactly what an agent leaves on disk.
//
//   node make-agentdb.mjs FILE SPEC.json
//
// SPEC (every key optional):
//   dim        vector dimension of the embedder (default 384)
//   episodes   [{sessionId, task, input, output, critique, reward, success, latencyMs, tokensUsed, tags, metadata, nanVector}]
//   skills     [{name, description, signature, code, successRate, uses, avgReward, avgLatencyMs, metadata}]
//   patterns   [{taskType, approach, successRate, uses, avgReward, tags, metadata}]
//   skillUses  [{name, success, reward, latencyMs}]   SkillLibrary.updateSkillStats on an existing skill
//   generate   {episodes: N, sessions: M}             N synthetic episodes spread over M sessions
// An existing FILE is loaded first (AgentDB reads the whole file into memory) and rewritten on close().
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, ReflexionMemory, SkillLibrary, ReasoningBank } from 'agentdb';

const [file, specFile] = process.argv.slice(2);
if (!file || !specFile) {
  console.error('usage: node make-agentdb.mjs FILE SPEC.json');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
const dim = spec.dim ?? 384;

// Deterministic unit vectors from the text (FNV-1a seed, xorshift32 stream), so a test can recompute them;
// the package's own embedders either download a model or are not unit-normalised for every input.
const poisoned = new Set();
const embedder = {
  async embed(text) {
    let seed = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193) >>> 0;
    }
    const v = new Float32Array(dim);
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      seed ^= seed << 13; seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5; seed >>>= 0;
      v[i] = seed / 4294967296 - 0.5;
      norm += v[i] * v[i];
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < dim; i++) v[i] /= norm;
    if (poisoned.has(text)) v[7] = NaN;
    return v;
  },
};

const db = await createDatabase(file);
// What `agentdb init` does: the package's schema creates episodes, skills and their embedding tables.
const schemaDir = path.join(path.dirname(fileURLToPath(import.meta.resolve('agentdb'))), 'schemas');
db.exec(fs.readFileSync(path.join(schemaDir, 'schema.sql'), 'utf8'));

const reflexion = new ReflexionMemory(db, embedder);
const skills = new SkillLibrary(db, embedder);
const bank = new ReasoningBank(db, embedder); // creates reasoning_patterns and pattern_embeddings

const episodes = [...(spec.episodes ?? [])];
if (spec.generate?.episodes) {
  const sessions = spec.generate.sessions ?? 1;
  for (let i = 0; i < spec.generate.episodes; i++) {
    episodes.push({
      sessionId: `session-${i % sessions}`,
      task: `generated task ${i}: refactor module ${i % 97} and fix test ${i % 13}`,
      output: `done ${i}`,
      reward: (i % 10) / 10,
      success: i % 3 !== 0,
      tags: ['generated', `bucket-${i % 5}`],
    });
  }
}
for (const e of episodes) {
  if (e.nanVector) {
    // ReflexionMemory embeds task, critique and output joined by newlines.
    poisoned.add([e.task, e.critique, e.output].filter(Boolean).join('\n'));
  }
  await reflexion.storeEpisode(e);
}
for (const s of spec.skills ?? []) {
  await skills.createSkill({ signature: { inputs: {}, outputs: {} }, uses: 0, successRate: 0, avgReward: 0, avgLatencyMs: 0, ...s });
}
for (const u of spec.skillUses ?? []) {
  const row = db.prepare('SELECT id FROM skills WHERE name = ?').get(u.name);
  if (!row) throw new Error(`no skill named ${u.name}`);
  skills.updateSkillStats(row.id, u.success, u.reward ?? 0, u.latencyMs ?? 0);
}
for (const p of spec.patterns ?? []) {
  await bank.storePattern(p);
}
db.close();
console.log(`agentdb fixture: ${file}: +${episodes.length} episodes, +${(spec.skills ?? []).length} skills, `
  + `+${(spec.patterns ?? []).length} patterns, ${(spec.skillUses ?? []).length} skill uses (dim ${dim})`);
