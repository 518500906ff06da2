import type { SwitchCore } from './core';
import type { Channel } from './channel';

/** What the held leg hears when neither `temp_hold_music` nor `hold_music` is set (capture 06c2). */
const DEFAULT_HOLD_MUSIC = 'tone_stream://%(1000,4000,440)';

/**
 * SMF_HOLD_BLEG, which a meta application's broadcast carries: while it runs on a bridged leg,
 * the peer plays its hold music in a loop, and is released when it ends (capture 06c2: the
 * peer's playback starts before the leg's application and completes, FILE PLAYED, right after
 * it). The peer's first CHANNEL_EXECUTE fires before this returns; the result is the release.
 */
export function holdPeer(core: SwitchCore, channel: Channel): () => void {
  const link = core.bridgeOf(channel.uuid);
  const peer = link ? (link.a === channel ? link.b : link.a) : undefined;
  const session = peer?.up ? core.session(peer.uuid) : undefined;
  // A peer running a dialplan or queue of its own (a message sent to it earlier) is not put on
  // hold: its running application owns its session's wait.
  if (!peer || !session || session.running) return () => undefined;
  const music = peer.getVar('temp_hold_music') ?? peer.getVar('hold_music') ?? DEFAULT_HOLD_MUSIC;
  let held = true;
  const loop = async (): Promise<void> => {
    while (held && peer.up) await session.execute('playback', music);
  };
  void loop();
  return () => {
    held = false;
    session.breakCurrent();
  };
}
