import { FINAL_STATES } from '../../callback/state/request-state';

/*
 * The portal's only script, served as /portal/app.js (a file of its own: the CSP refuses inline
 * scripts). Plain ES2017, no framework. Without it every page still works; with it a callback's
 * page and the list of callbacks follow the legs live through the session-authenticated API
 * mount (/portal/api/v1/.../events, Server-Sent Events).
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

  function watchOne(section) {
    var id = section.getAttribute('data-watch');
    var legsBody = section.querySelector('[data-field="legs"]');
    var source = new EventSource(API + '/callbacks/' + encodeURIComponent(id) + '/events');
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
    source.addEventListener('snapshot', function (e) {
      var data = JSON.parse(e.data);
      showState(section, data.callback.state);
      text(section.querySelector('[data-field="cause"]'), data.callback.lastCause);
      data.legs.forEach(function (leg) {
        var row = legRow(leg.uuid, leg.role);
        text(row.children[0], leg.role); text(row.children[1], leg.attempt); text(row.children[2], leg.number);
        text(row.children[3], leg.status); text(row.children[4], leg.hangupCause);
      });
    });
    source.addEventListener('request', function (e) {
      var data = JSON.parse(e.data);
      showState(section, data.state);
      if (data.cause) text(section.querySelector('[data-field="cause"]'), data.cause);
    });
    source.addEventListener('leg', function (e) {
      var data = JSON.parse(e.data);
      var row = legRow(data.legUuid, data.leg);
      text(row.children[0], data.leg); text(row.children[1], data.attempt);
      text(row.children[3], data.status); if (data.cause) text(row.children[4], data.cause);
    });
    // The server ends the stream when the callback is over; do not let EventSource reopen it.
    source.addEventListener('error', function () { if (source.readyState === EventSource.CLOSED || source.readyState === EventSource.CONNECTING) source.close(); });
  }

  function watchAccount(section) {
    var source = new EventSource(API + '/events');
    source.addEventListener('request', function (e) {
      var data = JSON.parse(e.data);
      var cell = section.querySelector('tr[data-callback="' + data.requestId + '"] [data-field="state"]');
      text(cell, data.state);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (typeof EventSource === 'undefined') return;
    Array.prototype.forEach.call(document.querySelectorAll('[data-watch]'), watchOne);
    Array.prototype.forEach.call(document.querySelectorAll('[data-live-account]'), watchAccount);
  });
})();
`;
