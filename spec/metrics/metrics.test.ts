import express from 'express';
import request from 'supertest';
import type { EngineEventMap, LegChange, RequestChange } from '../../lib/callback/engine/events';
import type { HealthState } from '../../lib/esl/inbound-client';
import { metricsRouter, ServiceMetrics, timeOriginate, trackEngineEvents, trackEslClient } from '../../lib/metrics';

/** An event source that emits what the test says. */
class FakeEvents {
  private readonly listeners: { [K in keyof EngineEventMap]: ((change: EngineEventMap[K]) => void)[] } = { request: [], leg: [] };
  on<K extends keyof EngineEventMap>(type: K, listener: (change: EngineEventMap[K]) => void): () => void {
    (this.listeners[type] as ((change: EngineEventMap[K]) => void)[]).push(listener);
    return () => undefined;
  }
  emit<K extends keyof EngineEventMap>(type: K, change: EngineEventMap[K]): void {
    for (const listener of this.listeners[type] as ((change: EngineEventMap[K]) => void)[]) listener(change);
  }
}

class FakeClient {
  state: HealthState = 'connecting';
  private listener: ((state: HealthState, reason: string) => void) | undefined;
  constructor(readonly name: string) {}
  on(_type: 'state', listener: (state: HealthState, reason: string) => void): () => void {
    this.listener = listener;
    return () => undefined;
  }
  set(state: HealthState): void {
    this.state = state;
    this.listener?.(state, 'test');
  }
}

const requestChange = (to: RequestChange['to'], cause: string | null = null): RequestChange => ({
  requestId: 'r1',
  accountId: 1,
  from: null,
  to,
  event: 'ordered',
  cause,
  at: 0,
});

const leg = (legUuid: string, role: LegChange['role'], state: LegChange['state'], status: LegChange['status'], cause: LegChange['cause'] = null): LegChange => ({
  requestId: 'r1',
  legUuid,
  role,
  attempt: 1,
  status,
  state,
  cause,
  at: 0,
});

async function scrape(metrics: ServiceMetrics): Promise<string> {
  const app = express().use(metricsRouter(metrics.registry));
  const response = await request(app).get('/metrics').expect(200);
  expect(response.headers['content-type']).toContain('text/plain');
  return response.text;
}

describe('service metrics', () => {
  it('counts requests by state and cause, legs ended by cause, and legs in progress', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const events = new FakeEvents();
    trackEngineEvents(metrics, events);
    events.emit('request', requestChange('queued'));
    events.emit('request', requestChange('dialing_a'));
    events.emit('request', requestChange('busy', 'USER_BUSY'));
    events.emit('leg', leg('a1', 'A', 'dialing', 'dialing'));
    events.emit('leg', leg('a1', 'A', 'ringing', 'ringing'));
    events.emit('leg', leg('b1', 'B', 'dialing', 'dialing'));
    events.emit('leg', leg('a2', 'A', 'dialing', 'dialing'));
    events.emit('leg', leg('a1', 'A', 'busy', 'busy', 'USER_BUSY'));
    // A replayed final report is not a second ended leg, and does not bring the leg back.
    events.emit('leg', leg('a1', 'A', 'busy', 'busy', 'USER_BUSY'));
    events.emit('leg', leg('a1', 'A', 'ringing', 'ringing'));
    const text = await scrape(metrics);
    expect(text).toContain('callback_requests_total{state="queued",cause="none"} 1');
    expect(text).toContain('callback_requests_total{state="busy",cause="USER_BUSY"} 1');
    expect(text).toContain('callback_legs_ended_total{role="A",status="busy",cause="USER_BUSY"} 1');
    expect(text).toContain('callback_legs_in_progress{role="A"} 1');
    expect(text).toContain('callback_legs_in_progress{role="B"} 1');
  });

  it('times originates by node and outcome', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    await timeOriginate(metrics, async () => ({ node: 'fs1', uuid: 'x' }));
    await expect(timeOriginate(metrics, () => Promise.reject(new Error('USER_BUSY')), 'fs2')).rejects.toThrow('USER_BUSY');
    const text = await scrape(metrics);
    expect(text).toContain('callback_originate_duration_seconds_count{node="fs1",outcome="answered"} 1');
    expect(text).toContain('callback_originate_duration_seconds_count{node="fs2",outcome="failed"} 1');
    expect(text).toMatch(/callback_originate_duration_seconds_bucket\{le="0\.05",node="fs1",outcome="answered"\} 1/);
  });

  it('reads queue depth at scrape time, and drops it while the queue does not answer', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    let counts = { waiting: 2, delayed: 5, active: 1, failed: 0 };
    let fail = false;
    metrics.setQueueSource(async () => {
      if (fail) throw new Error('ECONNREFUSED');
      return counts;
    });
    expect(await scrape(metrics)).toContain('callback_queue_jobs{state="delayed"} 5');
    counts = { waiting: 0, delayed: 4, active: 0, failed: 1 };
    const second = await scrape(metrics);
    expect(second).toContain('callback_queue_jobs{state="delayed"} 4');
    expect(second).toContain('callback_queue_jobs{state="failed"} 1');
    fail = true;
    expect(await scrape(metrics)).not.toContain('callback_queue_jobs{');
  });

  it('shows each ESL node as 0 down, 1 connecting, 2 ready', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const fs1 = new FakeClient('fs1');
    const fs2 = new FakeClient('fs2');
    trackEslClient(metrics, fs1);
    trackEslClient(metrics, fs2);
    fs1.set('ready');
    expect(await scrape(metrics)).toMatch(/callback_esl_connection_state\{node="fs1"\} 2\n.*\{node="fs2"\} 1/);
    fs1.set('down');
    expect(await scrape(metrics)).toContain('callback_esl_connection_state{node="fs1"} 0');
  });

  it('includes Node defaults with event-loop lag, on a registry of its own per instance', async () => {
    const first = new ServiceMetrics();
    const second = new ServiceMetrics();
    first.requests.inc({ state: 'queued', cause: 'none' });
    const text = await scrape(first);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(await scrape(second)).not.toContain('callback_requests_total{');
  });
});
