import { callbackNodesOf } from '../../../lib/callback/engine/callback-nodes';

describe('callbackNodesOf (#17 item 4)', () => {
  const nodes = ['fs1', 'fs2'];

  it('gives every node for any, the named node otherwise', () => {
    expect(callbackNodesOf('any', nodes)).toEqual(nodes);
    expect(callbackNodesOf('fs2', nodes)).toEqual(['fs2']);
  });

  it('gives nothing for a name that is no node, so that the caller can skip the override', () => {
    expect(callbackNodesOf('fs9', nodes)).toBeUndefined();
    expect(callbackNodesOf('FS1', nodes)).toBeUndefined();
  });
});
