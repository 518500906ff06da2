import { balanceText, sentence, type CallKind, type SmsTexts } from './replies';

/*
 * French, in the GSM 7-bit alphabet (é, è, à, ù are in it; ê, â, î, ç are not). `notUnderstood`
 * is left out, so it is sent in English: it is only the parser's reason, which is English.
 */

/** Each call's name, and the ending its participles take (une conférence prévue). */
const CALLS: Record<CallKind, { name: string; ending: string }> = {
  callback: { name: 'Rappel', ending: '' },
  conference: { name: 'Conférence', ending: 'e' },
  redial: { name: 'Nouvel appel', ending: '' },
};

export const FRENCH: Partial<SmsTexts> = {
  queued(call) {
    const { name, ending } = CALLS[call.what];
    const when = call.due === null ? `enregistré${ending}` : `prévu${ending} à ${call.due}`;
    const who = call.simultaneous
      ? `nous appelons ${call.first} et ${call.second}${call.due === null ? ' maintenant' : ''} et les mettons en relation`
      : `nous appelons ${call.first}${call.due === null ? ' maintenant' : ''}, puis ${call.second}`;
    return `${name} ${when} : ${who}.`;
  },
  refused: (what, reason) => `${CALLS[what].name} refusé${CALLS[what].ending} : ${sentence(reason)}`,
  nothingToRedial: "Rien à rappeler : ce compte n'a pas encore eu de rappel.",
  ownNumber: "C'est votre propre numéro : envoyez *1*numéro avec le numéro que vous voulez appeler.",
  registered: (number) => `${number} est maintenant enregistré : il peut envoyer des commandes pour votre compte.`,
  alreadyRegistered: (number) => `${number} était déjà enregistré.`,
  codeSent: (number) => `Nous avons envoyé un code au ${number}. Répondez #verify ${number} et le code pour qu'il puisse envoyer des commandes pour votre compte.`,
  codeTooSoon: (number, seconds) => `Un code a été envoyé au ${number} il y a un instant : réessayez dans ${seconds} s.`,
  noMoreCodes: (number) => `Plus aucun code n'est envoyé au ${number} : envoyez #unregister ${number} et enregistrez-le plus tard.`,
  verified: (number) => `${number} est confirmé comme votre numéro.`,
  codeFailed: (number) => `Le code pour ${number} est faux ou a expiré : envoyez #register ${number} pour en recevoir un nouveau.`,
  codeLocked: (seconds) => `Trop de codes faux : réessayez dans ${Math.ceil(seconds / 60)} min.`,
  unregistered: (number) => `${number} n'est plus enregistré.`,
  notRegistered: (number) => `${number} n'est pas enregistré pour votre compte.`,
  reglist: (numbers) => (numbers.length === 0 ? "Aucun numéro n'est enregistré." : `Numéros enregistrés : ${numbers.join(', ')}.`),
  balance: (balance, currency) => balanceText(balance, currency, { balance: 'Solde', available: 'Disponible' }),
};
