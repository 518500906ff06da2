import { requestData, withRequestData } from '../../../lib/callback/engine/request-data';

describe('requestData', () => {
  it('reads the engine part of a request data object, with its defaults', () => {
    expect(requestData({ other: 'module', talked: true, trunk: 'carrier-1' })).toEqual({ talked: true, unidentified: false, trunk: 'carrier-1' });
    expect(requestData({})).toEqual({ talked: false, unidentified: false });
  });

  it('answers defaults for a data object it cannot read', () => {
    expect(requestData({ talked: 'yes', accessNumber: '12345' })).toEqual({ talked: false, unidentified: false });
  });

  it('reads the common data (talked, unidentified) as the schema does, and leaves any other to it', () => {
    expect(requestData({ unidentified: false })).toEqual({ talked: false, unidentified: false });
    expect(requestData({ unidentified: true, talked: true })).toEqual({ talked: true, unidentified: true });
    expect(requestData({ talked: true })).toEqual({ talked: true, unidentified: false });
    expect(requestData({ talked: 1, unidentified: false })).toEqual({ talked: false, unidentified: false });
    expect(requestData({ talked: null })).toEqual({ talked: false, unidentified: false });
    expect(requestData({ unidentified: true, retryIntervalSeconds: 30 })).toEqual({ talked: false, unidentified: true, retryIntervalSeconds: 30 });
    expect(requestData({ unidentified: true, other: 'module' })).toEqual({ talked: false, unidentified: true });
    expect(requestData(JSON.parse('{"__proto__": {"x": 1}, "talked": true}') as Record<string, unknown>)).toEqual({ talked: true, unidentified: false });
  });

  it('reads one data object once, and the object that replaces it afresh', () => {
    const data = { talked: false };
    const read = requestData(data);
    expect(requestData(data)).toBe(read);
    expect(Object.isFrozen(read)).toBe(true);
    const replaced = withRequestData(data, { talked: true });
    expect(requestData(replaced).talked).toBe(true);
    expect(requestData(data).talked).toBe(false);
  });
});
