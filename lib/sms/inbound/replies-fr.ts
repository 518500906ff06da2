import type { OrderRefusalCode } from '../../domain/order-refusal';
import type { ParseErrorCode } from '../parser/commands';
import { balanceText, limitMinutes, type CallKind, type SmsTexts } from './replies';

/*
 * French, in the GSM 7-bit alphabet (é, è, à, ù are in it; ê, â, î, ç are not). The parser's
 * reasons are said per code: what was wrong and how to write it, without echoing the field.
 */

const COMMANDS = '*1*numéro, *3*numéro1*numéro2, #redial, #register numéro, #unregister numéro, #reglist, #balance';
const CALLBACK = '*1*[[JJ.MM.AAAA*]HH:MM*]numéro1[*numéro2]';

const PARSE_REASONS: Record<ParseErrorCode, string> = {
  empty: `Le message est vide : envoyez l'une des commandes ${COMMANDS}.`,
  unknown_command: `Commande inconnue : envoyez l'une des commandes ${COMMANDS}.`,
  empty_field: "Champ vide : rien entre deux '*' ou après le dernier '*'.",
  missing_number: `Il manque un numéro : ${CALLBACK}, *3*numéro1*numéro2 ou #register numéro.`,
  missing_code: 'Envoyez #verify numéro code, avec le code à 6 chiffres envoyé au numéro.',
  too_many_numbers: 'Trop de numéros : un rappel en prend un ou deux, une conférence deux.',
  same_numbers: 'Les deux numéros sont identiques : donnez deux numéros différents.',
  unexpected_argument: 'Rien ne doit suivre cette commande : envoyez-la seule, par exemple #balance.',
  invalid_number: "Ce n'est pas un numéro de téléphone : écrivez-le par exemple +33612345678 ou 0612345678.",
  invalid_date: "Date invalide : écrivez JJ.MM.AAAA, par exemple 30.04.2027, une date qui existe.",
  invalid_time: 'Heure invalide : écrivez HH:MM, de 00:00 à 23:59, par exemple 09:30.',
  date_needs_time: 'Une date demande une heure : *1*JJ.MM.AAAA*HH:MM*numéro.',
  out_of_order: `La date et l'heure viennent avant les numéros : ${CALLBACK}.`,
  nonexistent_time: "Cette heure n'existe pas ce jour-là (changement d'heure) : choisissez-en une autre.",
  time_past: "Cette heure est déjà passée : donnez une heure à venir, ou une date et une heure.",
  too_far_ahead: 'Cette date est trop loin : choisissez-en une plus proche.',
  invalid_zone: "Le fuseau horaire du compte est inconnu : demandez-nous de le corriger.",
};

/** The engine's reasons for an order it will not take, as the subscriber can act on them. */
const REFUSALS: Record<OrderRefusalCode, string> = {
  invalid_order: "la demande n'est pas valide.",
  unknown_account: "ce compte n'existe plus : contactez-nous.",
  invalid_number: "ce n'est pas un numéro de téléphone valide : écrivez-le par exemple +33612345678 ou 0612345678.",
  unverified_source: "le numéro appelé en premier n'est pas un numéro confirmé de votre compte : envoyez #register numéro, puis #verify numéro et le code qui lui est envoyé.",
  callback_disabled: 'le rappel est désactivé pour ce compte.',
};

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
  refused: (what, refusal) => `${CALLS[what].name} refusé${CALLS[what].ending} : ${REFUSALS[refusal.code]}`,
  notUnderstood: (problem) => PARSE_REASONS[problem.code],
  unauthorized: 'Ce numéro ne peut pas envoyer de commandes. Ajoutez-le à votre compte sous "My contacts" et cochez "Allow authorization".',
  rateLimited(limit, retryAfterMs) {
    const { window, retry } = limitMinutes(limit, retryAfterMs);
    return `Trop de messages : nous en traitons au plus ${limit.limit} par ${window} minutes et par numéro. Les suivants sont ignorés ; réessayez dans ${retry} minutes.`;
  },
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
