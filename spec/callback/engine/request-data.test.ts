import { requestData, withRequestData } from '../../../lib/callback/engine/request-data';

describe('requestData', () => {
  it('reads the engine part of a request data object, with its defaults', () => {
    expect(requestData({ other: 'module', talked: true, trunk: 'carrier-1' })).toEqual({ talked: true, unidentified: false, trunk: 'carrier-1' });
    expect(requestData({})).toEqual({ talked: false, unidentified: false });
  });

  it('answers defaults for a data object it cannot read', () => {
    expect(requestData({ talked: 'yes', accessNumber: '12345' })).toEqual({ talked: false, unidentified: false });
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
