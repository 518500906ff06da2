import { FINAL_STATES } from '../../callback/state/request-state';
import { FINAL_LEG_STATUSES } from '../live/sse-routes';

/*
 * The portal's only script, served as /portal/app.js (a file of its own: the CSP refuses inline
 * scripts). Plain ES2017, no framework. Without it every page still works; with it a callback's
 * page and the list of callbacks follow the legs live through the session-authenticated API
 * mount (/portal/api/v1/.../events, Server-Sent Events), and come back after a drop with backoff
 * (liveStream below; spec/portal/live-script.test.ts runs this very text against a fake page).
 */
export const PORTAL_SCRIPT = String.raw`(function () {
  'use strict';
  var API = '/portal/api/v1';
  var FINAL = ${JSON.stringify(FINAL_STATES)};
  function text(el, value) { if (el) el.textContent = value == null ? '' : String(value); }
  // A callback that is over can no longer be cancelled: hide its cancel button.
  function showState(section, state) {
    text(section.querySelector('[data-field="state"]'), state);
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
        for (var i = 0; i < 5; i++) row.appendChild(document.createElement('td'));
        row.children[3].setAttribute('data-field', 'status');
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
      for (var i = 0; i < cells.length; i++) if (LEG_FINAL.indexOf(cells[i].textContent) < 0) return false;
      return true;
    }
    // The server ends the stream once the callback and its legs are over. A stream cut after the
    // callback ended but before its legs reported is reopened once (its snapshot has them), not
    // for ever: a leg that never reports must not keep the page reconnecting.
    function done() {
      if (!requestOver) return false;
      if (legsOver() || reopenedAfterEnd) return true;
      reopenedAfterEnd = true;
      return false;
    }
    liveStream(API + '/callbacks/' + encodeURIComponent(id) + '/events', {
      // Every stream, the first and each reopened one, starts with the whole state: nothing missed while away stays stale.
      snapshot: function (e) {
        var data = JSON.parse(e.data);
        seeState(data.callback.state);
        text(section.querySelector('[data-field="cause"]'), data.callback.lastCause);
        data.legs.forEach(function (leg) {
          var row = legRow(leg.uuid, leg.role);
          text(row.children[0], leg.role); text(row.children[1], leg.attempt); text(row.children[2], leg.number);
          text(row.children[3], leg.status); text(row.children[4], leg.hangupCause);
        });
      },
      request: function (e) {
        var data = JSON.parse(e.data);
        seeState(data.state);
        if (data.cause) text(section.querySelector('[data-field="cause"]'), data.cause);
      },
      leg: function (e) {
        var data = JSON.parse(e.data);
        var row = legRow(data.legUuid, data.leg);
        text(row.children[0], data.leg); text(row.children[1], data.attempt);
        text(row.children[3], data.status); if (data.cause) text(row.children[4], data.cause);
      }
    }, done);
  }

  function watchAccount(section) {
    function showRequestState(requestId, state) {
      text(section.querySelector('tr[data-callback="' + requestId + '"] [data-field="state"]'), state);
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
