import type { Catalogue } from './en.js';

/**
 * Danish for the inbox and push keys (the "Inbox, push notifications" block of en.ts), kept
 * apart so the Danish catalogue can take them whole: `{ ...inboxDa, ... }`. Every key of that
 * block is here (the type says so).
 */
type InboxKey = Extract<keyof Catalogue, `inbox.${string}` | `push.${string}` | 'nav.inbox'>;

export const inboxDa: Record<InboxKey, string> = {
  'nav.inbox': 'Indbakke',
  'inbox.title': 'Alarmindbakke',
  'inbox.open.title': 'Venter på nogen ({count})',
  'inbox.mine.title': 'Kvitteret af dig, skal afsluttes ({count})',
  'inbox.empty': 'Ingen åbne alarmer. Dine teams’ alarmer vises her, når de opstår.',
  'inbox.patientUnknown': 'Borger',
  'inbox.noVitals': 'Ingen nye målinger.',
  'inbox.resolveWithNote': 'Afslut…',
  'inbox.optional': '(valgfri)',
  'inbox.cancel': 'Annuller',
  'inbox.notEscalated': 'Ikke eskaleret',
  'inbox.escalated': 'Eskaleret til niveau {level}',
  'inbox.escalationStopped': 'eskalering stoppet',
  'inbox.lastLevel': 'intet næste niveau',
  'inbox.escalatingNow': 'eskalerer nu',
  'inbox.nextLevelIn': 'næste niveau om {time}',
  'inbox.alarm': 'Høj alarm ({count})',
  'inbox.pauseSound': 'Sæt lyd på pause {minutes} min',
  'inbox.pausedFor': 'Lyd på pause, tilbage om {time}',
  'inbox.resumeSound': 'Lyd til nu',
  'inbox.enableSound': 'Slå lyd til',
  'inbox.go': 'Åbn alarmen',
  'inbox.back': 'Indbakke',
  'inbox.alertNotFound': 'Der er ingen sådan alarm i dine teams.',
  'inbox.opened': 'Åbnet',
  'inbox.repeated': 'Gentaget',
  'inbox.repeatedTimes': '{count} gange, senest {time}',
  'inbox.value': 'Værdi',
  'inbox.acknowledged': 'Kvitteret',
  'inbox.byYou': 'af dig, {time}',
  'inbox.byColleague': 'af en kollega, {time}',
  'inbox.recentEvents': 'Hændelser, seneste 24 t',
  'push.on': 'Alarmer når frem til denne enhed, også når Vigil er lukket.',
  'push.manage': 'Indstillinger for notifikationer',
  'push.notSetUp': 'Alarmer når ikke frem til denne enhed, når Vigil er lukket.',
  'push.unreliable': 'En browser alene er ikke en pålidelig alarm: slå notifikationer til, og hold telefonen opladet og med lyd.',
  'push.why.off': 'Notifikationer er ikke slået til på denne enhed endnu.',
  'push.why.unsupported': 'Denne browser kan ikke modtage notifikationer fra Vigil. Brug Chrome, Edge, Firefox eller Safari (macOS 13, iOS 16.4 eller nyere).',
  'push.why.iosNotInstalled':
    'På iPhone og iPad skal Vigil først føjes til hjemmeskærmen (Del → Føj til hjemmeskærm, iOS 16.4 eller nyere); åbn den derfra, og slå notifikationer til.',
  'push.why.serverOff': 'Denne Vigil-server sender ikke notifikationer (bed din administrator om at sætte dens Web Push-nøgler).',
  'push.why.denied': 'Notifikationer fra Vigil er blokeret i denne browser. Tillad dem i browserens webstedsindstillinger, og genindlæs.',
  'push.enable': 'Slå notifikationer til på denne enhed',
  'push.failed': 'Notifikationer kunne ikke slås til: {message}',
  'push.settingsTitle': 'Notifikationer',
  'push.devices': 'Dine enheder, der modtager alarmer',
  'push.noDevices': 'Ingen enhed modtager dine alarmer som notifikation.',
  'push.unnamed': 'Unavngiven enhed',
  'push.thisDevice': 'denne enhed',
  'push.since': 'siden {time}',
  'push.remove': 'Fjern',
  'push.helpTitle': 'Enheder',
  'push.help.android': 'Android: Chrome, Edge eller Firefox; alarmer kommer med en Kvittér-knap. Installér Vigil (Føj til startskærm), så den er ét tryk væk.',
  'push.help.ios':
    'iPhone og iPad: iOS 16.4 eller nyere, med Vigil føjet til hjemmeskærmen og åbnet derfra. Notifikationer på iOS har ingen Kvittér-knap: tryk på notifikationen for at åbne alarmen.',
  'push.help.desktop': 'Computere: notifikationer kommer, mens browseren kører, også med Vigils fane lukket.',
};
