import type { Talk } from '../callback/engine/flow';
import { isUnknownChannelError } from '../esl/unknown-channel';

/** `uuid_*` on A's node (or `node`) for a feature; a channel already gone is not an error (false). */
export async function talkApi(talk: Talk, command: string, node: string | undefined = talk.legA.node): Promise<boolean> {
  try {
    await talk.ctx.telephony.api(node, command);
    return true;
  } catch (error) {
    if (isUnknownChannelError(error)) return false;
    throw error;
  }
}
