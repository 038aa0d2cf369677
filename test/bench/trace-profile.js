// Where a page's long tasks spend their time: a Chromium trace (devtools.timeline) and a V8 CPU
// profile recorded together over CDP, summarised as "this much Layout, this much script, and
// these functions". Used by test/bench/dashboard.js with VIGIL_BENCH_PROFILE_SECONDS.

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing', 'toplevel'];
// The top-level task events of a renderer's main thread, by Chromium version.
const TASKS = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

/** Records a trace and a CPU profile of `page` for `seconds` through a CDP session. */
export async function recordProfile(page, seconds) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  // The profiler first: its start-up would otherwise show as a long task in the trace.
  await cdp.send('Profiler.start');
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: CATEGORIES } });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await cdp.send('Tracing.end');
  await complete;
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.detach();
  return { events, profile };
}

/** The renderer main threads of a trace, as `pid:tid` keys. */
function mainThreads(events) {
  return new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
}

/** Complete (`X`) events of one thread, with B/E pairs folded into them, in start order. */
function spans(events, thread) {
  const out = [];
  const open = [];
  for (const e of events) {
    if (`${e.pid}:${e.tid}` !== thread) continue;
    if (e.ph === 'X' && typeof e.dur === 'number') out.push({ name: e.name, ts: e.ts, dur: e.dur, tdur: e.tdur ?? 0 });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const begin = open.pop();
      if (begin) out.push({ name: begin.name, ts: begin.ts, dur: e.ts - begin.ts, tdur: (e.tts ?? 0) - (begin.tts ?? 0) });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
}

/**
 * Each task over `thresholdMs` on a renderer main thread, with the self time (ms) of the events
 * inside it by name (FunctionCall = script, UpdateLayoutTree = style, Layout, Paint, GC, ...).
 */
export function longTasks(events, thresholdMs = 50) {
  const tasks = [];
  for (const thread of mainThreads(events)) {
    const all = spans(events, thread);
    let end = -Infinity;
    for (const task of all) {
      // A task event nested in a long one (both names are emitted) is the same task.
      if (!TASKS.has(task.name) || task.dur < thresholdMs * 1000 || task.ts < end) continue;
      end = task.ts + task.dur;
      const inside = all.filter((s) => s !== task && s.ts >= task.ts && s.ts + s.dur <= task.ts + task.dur && !TASKS.has(s.name));
      // Self time: an event's duration less that of the events directly inside it.
      const self = new Map();
      const credit = (name, us) => self.set(name, (self.get(name) ?? 0) + us);
      const stack = [];
      let outside = task.dur;
      for (const span of inside) {
        while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= span.ts) stack.pop();
        if (stack.length) credit(stack.at(-1).name, -span.dur);
        else outside -= span.dur;
        credit(span.name, span.dur);
        stack.push(span);
      }
      credit('(task itself)', outside);
      const breakdown = Object.fromEntries(
        [...self]
          .filter(([, us]) => us >= 500)
          .sort((a, b) => b[1] - a[1])
          .map(([name, us]) => [name, +(us / 1000).toFixed(1)]),
      );
      tasks.push({ thread, ms: +(task.dur / 1000).toFixed(1), breakdown });
    }
  }
  return tasks.sort((a, b) => b.ms - a.ms);
}

/** The functions with the most self time in a V8 CPU profile (ms), with their source location. */
export function hotFunctions(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
  }
  const byFunction = new Map();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url ? frame.url.split('/').pop() : '';
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  return [...byFunction]
    .filter(([key]) => !key.startsWith('(idle)') && !key.startsWith('(program)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, ms: +(us / 1000).toFixed(1) }));
}

/**
 * The page's main thread in CPU time (the trace's thread clock, `tdur`), which a busy machine
 * does not inflate as it does wall time: CPU ms per second of the trace, the task with the most
 * CPU time, how many tasks used over 50 ms of CPU, and the CPU self time by event name.
 */
export function mainThreadCpu(events, seconds) {
  let best;
  for (const thread of mainThreads(events)) {
    const all = spans(events, thread);
    const tasks = [];
    let end = -Infinity;
    for (const span of all) {
      if (!TASKS.has(span.name) || span.ts < end) continue;
      end = span.ts + span.dur;
      tasks.push(span);
    }
    const cpu = tasks.reduce((sum, t) => sum + t.tdur, 0);
    if (!best || cpu > best.cpu) best = { thread, all, tasks, cpu };
  }
  if (!best) return undefined;
  const self = new Map();
  const credit = (name, us) => self.set(name, (self.get(name) ?? 0) + us);
  const stack = [];
  for (const span of best.all) {
    if (TASKS.has(span.name)) continue;
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= span.ts) stack.pop();
    if (stack.length) credit(stack.at(-1).name, -span.tdur);
    credit(span.name, span.tdur);
    stack.push(span);
  }
  const ms = (us) => +(us / 1000).toFixed(1);
  return {
    cpuMsPerSecond: ms(best.cpu / seconds),
    longestTaskCpuMs: ms(Math.max(0, ...best.tasks.map((t) => t.tdur))),
    tasksOver50MsCpu: best.tasks.filter((t) => t.tdur > 50_000).length,
    byEvent: Object.fromEntries(
      [...self]
        .filter(([, us]) => us >= 1000)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([name, us]) => [name, ms(us)]),
    ),
  };
}
