/* The field app's outbox. A job form (install, repair, ignite, sell) is never posted directly: it goes into
 * IndexedDB with an Idempotency-Key made when the form was opened, and is sent to the API from there, in the
 * order it was submitted, now if there is signal, else when the connection returns. The API replays the
 * first answer for a key it has seen, so a resend (a double tap, two tabs, a reload mid-send) records nothing
 * twice. Items of another login stay on the phone and are never sent under this one.
 * Page API: window.GLOutbox = { flush, all, get, render }. */
(function () {
  "use strict";
  var DB_NAME = "gaslabel-field";
  var STORE = "outbox";
  var ME_URL = "/api/v1/me/";
  var KEEP_MS = 7 * 24 * 3600 * 1000; // accepted and refused items stay visible for a week
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "key" }).createIndex("seq", "seq");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(result instanceof IDBRequest ? result.result : result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function all() { return tx("readonly", function (store) { return store.index("seq").getAll(); }); }
  function get(key) { return tx("readonly", function (store) { return store.get(key); }); }
  function put(item) { return tx("readwrite", function (store) { store.put(item); }); }
  function remove(key) { return tx("readwrite", function (store) { store.delete(key); }); }

  function addOnce(item) {
    // The same key twice (the form submitted again) keeps the first item: one intended job, one record.
    return tx("readwrite", function (store) {
      var existing = store.get(item.key);
      existing.onsuccess = function () { if (!existing.result) { store.put(item); } };
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function currentUser() {
    var meta = document.querySelector("meta[name=gl-user]");
    return meta ? meta.content : "";
  }

  // --- sending -----------------------------------------------------------------------------------

  async function send(item) {
    var response;
    item.attempts = (item.attempts || 0) + 1;
    try {
      response = await fetch(item.url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "Idempotency-Key": item.key,
          "X-CSRFToken": cookie("csrftoken") || item.csrf || ""
        },
        body: JSON.stringify(item.body)
      });
    } catch (error) {
      return "offline"; // no connection: keep it, and everything after it, for later
    }
    var data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (response.ok) {
      item.status = "accepted";
      item.result = data;
      item.note = "";
      item.done = Date.now();
      await put(item);
      return "sent";
    }
    var csrf = data && typeof data.detail === "string" && data.detail.indexOf("CSRF") === 0;
    if (!data || response.status >= 500 || response.status === 429 || response.status === 401 || csrf
        || (data.code === "not_authenticated" || data.code === "authentication_failed")) {
      // Not a decision about the job (server trouble, signed out): try again later, in the same order.
      item.note = response.status === 401 || response.status === 403 ? "login" : "retry";
      await put(item);
      return "offline";
    }
    item.status = "refused";
    item.error = data;
    item.done = Date.now();
    await put(item);
    return "sent";
  }

  async function whoAmI() {
    try {
      var response = await fetch(ME_URL, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } });
      if (!response.ok) { return { offline: false, user: null }; }
      return { offline: false, user: (await response.json()).username };
    } catch (error) {
      return { offline: true, user: null };
    }
  }

  async function pass() {
    var items = (await all()).filter(function (item) { return item.status === "waiting"; });
    if (!items.length) { return; }
    var me = await whoAmI();
    if (me.offline) { return; }
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (item.user !== me.user) {
        if (!me.user && item.note !== "login") { item.note = "login"; await put(item); }
        continue; // another worker's job: never sent under this login
      }
      if ((await send(item)) === "offline") { break; }
    }
  }

  var running = null;
  function flush() {
    // One pass at a time in this page; across tabs a Web Lock where the browser has one. The Idempotency-Key
    // is what makes a resend harmless anyway.
    if (!running) {
      var locked = navigator.locks ? navigator.locks.request("gaslabel-outbox", pass) : pass();
      running = locked.catch(function () {}).then(function () { running = null; render(); });
    }
    return running;
  }

  async function prune() {
    var now = Date.now();
    var items = await all();
    for (var i = 0; i < items.length; i++) {
      if (items[i].status !== "waiting" && now - (items[i].done || 0) > KEEP_MS) { await remove(items[i].key); }
    }
  }

  // --- showing -----------------------------------------------------------------------------------

  var pageKeys = [];

  function text(panel, name) { return panel.getAttribute("data-msg-" + name) || ""; }

  function hhmm(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function itemNode(panel, item) {
    var li = element("li", "outbox-item " + item.status);
    li.setAttribute("data-key", item.key);
    li.setAttribute("data-status", item.status);
    li.appendChild(element("strong", "", item.title || item.code));
    li.appendChild(element("span", "muted when", " " + hhmm(item.created) + " "));
    var state = text(panel, item.status);
    if (item.status === "waiting" && item.note === "login") { state = text(panel, "login"); }
    li.appendChild(element("span", "state", state));
    if (item.status === "refused" && item.error) {
      li.appendChild(element("p", "reason", item.error.detail || item.error.code));
      var way = panel.getAttribute("data-way-" + item.error.code) || text(panel, "way");
      li.appendChild(element("p", "way", way));
      if (item.error.report_url) {
        var report = element("a", "button danger", text(panel, "report"));
        report.href = item.error.report_url;
        li.appendChild(report);
      }
    }
    if (item.status === "accepted" && item.result && item.result.id && item.rate) {
      var rate = element("a", "button secondary", text(panel, "rate"));
      rate.href = item.rate.replace("999999999", String(item.result.id));
      li.appendChild(rate);
    }
    return li;
  }

  async function render() {
    var panels = document.querySelectorAll("[data-outbox-panel]");
    if (!panels.length) { return; }
    var items = await all();
    var user = currentUser();
    panels.forEach(function (panel) {
      var list = panel.querySelector("[data-outbox-list]");
      var shown = items.filter(function (item) {
        return panel.hasAttribute("data-all") ? item.user === user : pageKeys.indexOf(item.key) >= 0;
      });
      list.replaceChildren.apply(list, shown.map(function (item) { return itemNode(panel, item); }));
      panel.hidden = !shown.length && !panel.hasAttribute("data-all");
      var empty = panel.querySelector("[data-outbox-empty]");
      if (empty) { empty.hidden = shown.length > 0; }
    });
  }

  // --- forms -------------------------------------------------------------------------------------

  function bodyOf(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name === "csrfmiddlewaretoken" || field.type === "submit") { return; }
      body[field.name] = field.type === "checkbox" ? field.checked : field.value;
    });
    if (form.dataset.kind) { body.kind = form.dataset.kind; }
    return body;
  }

  function finish(form, item) {
    if (item.result && item.result.id && form.dataset.rate) {
      window.location.assign(form.dataset.rate.replace("999999999", String(item.result.id)));
      return;
    }
    var done = element("div", "verdict genuine", "✔ " + form.dataset.done);
    done.id = "done";
    form.parentNode.insertBefore(done, form);
  }

  function bind(form) {
    var key = newKey(); // one key per opened form: submitting it again is the same job
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (form.dataset.busy) { return; }
      form.dataset.busy = "1";
      var csrf = form.elements.csrfmiddlewaretoken;
      await addOnce({
        key: key,
        seq: Date.now() + Math.random(),
        created: Date.now(),
        user: currentUser(),
        url: form.dataset.outbox,
        code: form.dataset.code,
        kind: form.dataset.kind || form.dataset.job,
        title: form.dataset.title,
        rate: form.dataset.rate || "",
        body: bodyOf(form),
        csrf: csrf ? csrf.value : "",
        status: "waiting",
        attempts: 0
      });
      pageKeys.push(key);
      form.hidden = true;
      await render();
      await flush();
      var item = await get(key);
      if (item.status === "accepted") { finish(form, item); return; }
      if (item.status === "refused") { key = newKey(); form.hidden = false; } // fix and submit again: a new job
      delete form.dataset.busy;
    });
  }

  window.GLOutbox = { flush: flush, all: all, get: get, render: render, bind: bind };

  document.querySelectorAll("form[data-outbox]").forEach(bind);
  document.querySelectorAll("[data-outbox-clear]").forEach(function (button) {
    button.addEventListener("click", async function () {
      var items = await all();
      for (var i = 0; i < items.length; i++) {
        if (items[i].status !== "waiting" && items[i].user === currentUser()) { await remove(items[i].key); }
      }
      render();
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 20000); // a connection back without an "online" event (a captive portal cleared, a server up again)
  prune().then(flush);
})();
