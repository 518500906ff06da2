import { FINAL_STATES } from '../../callback/state/request-state';
import { FINAL_LEG_STATUSES } from '../live/sse-routes';
import { LIVE_WORDS } from './wording';

/*
 * The portal's only script, served as /portal/app.js (a file of its own: the CSP refuses inline
 * scripts). Plain ES2017, no framework. Without it every page still works; with it a callback's
 * page and the list of callbacks follow the legs live through the session-authenticated API
 * mount (/portal/api/v1/.../events, Server-Sent Events), and come back after a drop with backoff
 * (liveStream below; spec/portal/live-script.test.ts runs this very text against a fake page).
 * The streams speak the API's words (dialing_a, no-answer, USER_BUSY); the page shows wording.ts's
 * words for them, and keeps the raw value in data-state / data-status for the stylesheet.
 */
export const PORTAL_SCRIPT = String.raw`(function () {
  'use strict';
  var API = '/portal/api/v1';
  var FINAL = ${JSON.stringify(FINAL_STATES)};
  var WORDS = ${JSON.stringify(LIVE_WORDS)};
  function text(el, value) { if (el) el.textContent = value == null ? '' : String(value); }
  function stateWords(state) { return WORDS.requestStates[state] || WORDS.unknownState; }
  function causeWords(cause) { return cause ? WORDS.causes[cause] || WORDS.unknownCause : ''; }
  function showRequest(el, state) {
    if (!el) return;
    el.setAttribute('data-state', state);
    text(el, stateWords(state));
  }
  // A leg only completes after an answer (wording.ts liveLegWords): one that never answered was cancelled.
  function showLeg(el, status) {
    if (!el) return;
    if (status === 'answered' || status === 'bridged') el.setAttribute('data-answered', '');
    el.setAttribute('data-status', status);
    var answered = el.getAttribute('data-answered') !== null;
    text(el, status === 'completed' && !answered ? WORDS.cancelled : WORDS.liveStatuses[status] || WORDS.unknownState);
  }
  // Amounts arrive as integer minor units; Intl reads the decimal string exactly.
  function money(section, minor) {
    if (minor == null) return '';
    var currency = section.getAttribute('data-currency');
    var locale = section.getAttribute('data-locale') || 'en';
    try {
      var format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency });
      var digits = format.resolvedOptions().maximumFractionDigits;
      var abs = String(Math.abs(minor));
      while (abs.length <= digits) abs = '0' + abs;
      var decimal = (minor < 0 ? '-' : '') + (digits ? abs.slice(0, abs.length - digits) + '.' + abs.slice(abs.length - digits) : abs);
      return format.format(decimal);
    } catch (e) {
      return String(minor) + ' ' + currency;
    }
  }
  function duration(seconds) {
    if (seconds == null) return '';
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = ('0' + seconds % 60).slice(-2);
    return h > 0 ? h + ':' + ('0' + m).slice(-2) + ':' + s : m + ':' + s;
  }
  // A callback that is over can no longer be cancelled: hide its cancel button.
  function showState(section, state) {
    showRequest(section.querySelector('[data-field="state"]'), state);
    if (FINAL.indexOf(state) < 0) return;
    Array.prototype.forEach.call(document.querySelectorAll('form[data-cancel]'), function (form) { form.hidden = true; });
  }

  var LEG_FINAL = ${JSON.stringify(FINAL_LEG_STATUSES)};
  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;

  // An EventSource that comes back after a drop (a restart, a proxy timing out, a laptop waking
  // up). The browser's own retry gives up for good on a 5xx or a refused connection and never
  // backs off, so every error closes the source and this opens a new one after 1 s, 2 s, 4 s …
  // at most 30 s, plus up to half again at random so that the pages of a restarted server do not
  // all come back at once. A stream that opened resets the delay. done() says the stream is over
  // and must not be reopened; onOpen(reopened) runs for each stream that opens.
  function liveStream(url, handlers, done, onOpen) {
    var delay = FIRST_DELAY_MS;
    var opened = 0;
    function open() {
      var source = new EventSource(url);
      source.addEventListener('open', function () {
        delay = FIRST_DELAY_MS;
        opened += 1;
        if (onOpen) onOpen(opened > 1);
      });
      Object.keys(handlers).forEach(function (name) { source.addEventListener(name, handlers[name]); });
      source.addEventListener('error', function () {
        source.close();
        if (done()) return;
        var wait = delay + Math.floor(Math.random() * delay / 2);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
        setTimeout(open, wait);
      });
    }
    open();
  }

  function watchOne(section) {
    var id = section.getAttribute('data-watch');
    var legsBody = section.querySelector('[data-field="legs"]');
    var requestOver = false;
    var reopenedAfterEnd = false;
    function legRow(uuid, role) {
      var row = legsBody.querySelector('tr[data-leg="' + uuid + '"]');
      if (!row) {
        row = document.createElement('tr');
        row.setAttribute('data-leg', uuid);
        for (var i = 0; i < 7; i++) row.appendChild(document.createElement('td'));
        row.children[3].appendChild(document.createElement('span')).setAttribute('data-field', 'status');
        // Leg events carry no number: a leg A calls my number, a leg B the number to call.
        text(row.children[2], role ? section.getAttribute('data-number-' + String(role).toLowerCase()) : '');
        legsBody.appendChild(row);
      }
      return row;
    }
    function seeState(state) {
      showState(section, state);
      if (FINAL.indexOf(state) >= 0) requestOver = true;
    }
    function legsOver() {
      var cells = legsBody.querySelectorAll('[data-field="status"]');
      for (var i = 0; i < cells.length; i++) if (LEG_FINAL.indexOf(cells[i].getAttribute('data-status')) < 0) return false;
      return true;
    }
    // Leg events carry no length or cost: once the legs are over, read them (settlement may lag a little: one more try).
    function fillCosts(again) {
      if (typeof fetch === 'undefined') return;
      fetch(API + '/callbacks/' + encodeURIComponent(id), { credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (callback) {
          if (!callback || !callback.legs) return;
          var unsettled = false;
          callback.legs.forEach(function (leg) {
            var row = legRow(leg.uuid, leg.role);
            text(row.children[5], duration(leg.billsec)); text(row.children[6], money(section, leg.costMinor));
            if (leg.costMinor == null && leg.answeredAt != null) unsettled = true;
          });
          text(section.querySelector('[data-field="total"]'), money(section, callback.costMinor));
          if (unsettled && again) setTimeout(function () { fillCosts(false); }, 2000);
        })
        .catch(function () { /* the figures are on the page after a reload */ });
    }
    // The server ends the stream once the callback and its legs are over. A stream cut after the
    // callback ended but before its legs reported is reopened once (its snapshot has them), not
    // for ever: a leg that never reports must not keep the page reconnecting.
    function done() {
      if (!requestOver) return false;
      if (legsOver() || reopenedAfterEnd) {
        fillCosts(true);
        return true;
      }
      reopenedAfterEnd = true;
      return false;
    }
    liveStream(API + '/callbacks/' + encodeURIComponent(id) + '/events', {
      // Every stream, the first and each reopened one, starts with the whole state: nothing missed while away stays stale.
      snapshot: function (e) {
        var data = JSON.parse(e.data);
        seeState(data.callback.state);
        text(section.querySelector('[data-field="cause"]'), causeWords(data.callback.lastCause));
        data.legs.forEach(function (leg) {
          var row = legRow(leg.uuid, leg.role);
          var status = row.querySelector('[data-field="status"]');
          if (leg.answeredAt != null && status) status.setAttribute('data-answered', '');
          text(row.children[0], leg.role); text(row.children[1], leg.attempt); text(row.children[2], leg.number);
          showLeg(status, leg.status); text(row.children[4], causeWords(leg.hangupCause));
          text(row.children[5], duration(leg.billsec)); text(row.children[6], money(section, leg.costMinor));
        });
      },
      request: function (e) {
        var data = JSON.parse(e.data);
        seeState(data.state);
        if (data.cause) text(section.querySelector('[data-field="cause"]'), causeWords(data.cause));
      },
      leg: function (e) {
        var data = JSON.parse(e.data);
        var row = legRow(data.legUuid, data.leg);
        text(row.children[0], data.leg); text(row.children[1], data.attempt);
        showLeg(row.querySelector('[data-field="status"]'), data.status); if (data.cause) text(row.children[4], causeWords(data.cause));
      }
    }, done);
  }

  function watchAccount(section) {
    function showRequestState(requestId, state) {
      showRequest(section.querySelector('tr[data-callback="' + requestId + '"] [data-field="state"]'), state);
    }
    // The account stream has no snapshot: after a drop, read the listed callbacks' states once.
    function catchUp() {
      if (typeof fetch === 'undefined') return;
      fetch(API + '/callbacks?limit=100', { credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (page) { if (page) page.items.forEach(function (item) { showRequestState(item.id, item.state); }); })
        .catch(function () { /* the next reconnect tries again */ });
    }
    liveStream(API + '/events', {
      request: function (e) {
        var data = JSON.parse(e.data);
        showRequestState(data.requestId, data.state);
      }
    }, function () { return false; }, function (reopened) { if (reopened) catchUp(); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (typeof EventSource === 'undefined') return;
    Array.prototype.forEach.call(document.querySelectorAll('[data-watch]'), watchOne);
    Array.prototype.forEach.call(document.querySelectorAll('[data-live-account]'), watchAccount);
  });
})();
`;
