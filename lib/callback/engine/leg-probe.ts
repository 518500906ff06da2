import type { EngineContext } from './context';

/** Whether FreeSWITCH still knows the leg (`uuid_exists` on its node); throws when it cannot be asked. */
export async function legExists(ctx: EngineContext, leg: { readonly uuid: string; readonly node: string | undefined }): Promise<boolean> {
  return (await ctx.telephony.api(leg.node, `uuid_exists ${leg.uuid}`)).trim() === 'true';
}
