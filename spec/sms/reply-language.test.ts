import { randomUUID } from 'node:crypto';
import { loadSettings } from '../../lib/config';
import type { E164 } from '../../lib/domain/phone-number';
import { testLogger } from '../../lib/log/logger';
import { startSms } from '../../lib/service/sms';
import type { SmsModule } from '../../lib/sms';
import { freshDid } from '../access/support';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, startEngineRig, type EngineRig } from '../support/engine-harness';

/** #18 item 1: SMS replies in the sender's account's resolved language, English per missing text. */
describeEachDatabase('SMS reply language', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  let sms: SmsModule | undefined;

  afterEach(async () => {
    sms?.stop();
    sms = undefined;
    await rig?.stop();
    rig = undefined;
  });

  let nextSender = 0;
  async function start(accountLanguage: string): Promise<{ r: EngineRig; sender: E164; accountId: number }> {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    sms = startSms(loadSettings({ env: {} }), { store: r.store, engine: r.engine, clock: r.clock, logger: testLogger() });
    const account = await r.account(1_000, { currency: 'EUR', language: accountLanguage });
    nextSender += 1;
    const sender = `+1202555${String(7000 + nextSender)}` as E164;
    await r.store.callerIds.add({ accountId: account.id, number: sender, allowAuthorization: true });
    return { r, sender, accountId: account.id };
  }

  async function reply(r: EngineRig, sender: E164, text: string, to = '+4930555000'): Promise<string | null> {
    const { message } = await r.store.smsMessages.recordInbound({ gateway: 'generic', gatewayMessageId: randomUUID(), from: sender, to, text });
    return (await sms!.handler.handle(message)).reply;
  }

  it("answers in the account's language", async () => {
    const { r, sender } = await start('fr');
    expect(await reply(r, sender, '#balance')).toBe('Solde: 10.00 EUR.');
    expect(await reply(r, sender, `*1*${DESTINATION}`)).toBe(`Rappel enregistré : nous appelons ${sender} maintenant, puis ${DESTINATION}.`);
    expect(await reply(r, sender, '#redial')).toMatch(/^Nouvel appel enregistré : /);
  });

  it("says the engine's refusal of an order in the account's language", async () => {
    const { r, sender } = await start('fr');
    expect(await reply(r, sender, `*1*+12025550199*${DESTINATION}`)).toBe(
      "Rappel refusé : le numéro appelé en premier n'est pas un numéro confirmé de votre compte : envoyez #register numéro, puis #verify numéro et le code qui lui est envoyé.",
    );
  });

  it('answers in the language of the access number the SMS was sent to, over the account\'s', async () => {
    const { r, sender } = await start('en');
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani', settings: { language: 'fr' } });
    expect(await reply(r, sender, '#reglist', did)).toBe(`Numéros enregistrés : ${sender}.`);
    expect(await reply(r, sender, '#reglist')).toBe(`Registered numbers: ${sender}.`);
  });

  it("says the parser's reasons in the account's language; every text of a language without a table in English", async () => {
    const fr = await start('fr');
    expect(await reply(fr.r, fr.sender, 'hello')).toMatch(/^Commande inconnue : /);
    expect(await reply(fr.r, fr.sender, `*1*31.02.2027*10:00*${DESTINATION}`)).toMatch(/^Date invalide : /);
    await rig!.stop();
    sms!.stop();
    const de = await start('de');
    expect(await reply(de.r, de.sender, '#balance')).toBe('Balance: 10.00 EUR.');
    expect(await reply(de.r, de.sender, 'hello')).toMatch(/^Unknown command 'hello'/);
  });

  it('answers a sender without an account in the language of the access number it wrote to, else in English', async () => {
    const { r } = await start('en');
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani', settings: { language: 'fr' } });
    expect(await reply(r, '+12025559901' as E164, '#balance', did)).toMatch(/^Ce numéro ne peut pas envoyer de commandes\./);
    expect(await reply(r, '+12025559902' as E164, '#balance')).toMatch(/^This number may not send commands\./);
  });
});
