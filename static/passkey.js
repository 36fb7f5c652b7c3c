// Passkey ceremonies of the pages (docs/decisions.md, "Passkeys").
// Every form with data-passkey="register" | "login" | "second" gets its
// hidden button shown when the browser supports passkeys; submitting it runs
// the ceremony: POST <base>/begin (the form's _csrf) answers {"options"},
// the browser creates or gets the credential, POST <base>/finish (the
// credential as JSON in "response") answers {"redirect"} or {"error"}.
// Without JavaScript nothing here runs and the button stays hidden.
(function () {
  "use strict";
  if (window.__gatehousePasskey) {
    return; // the script is included once per form
  }
  window.__gatehousePasskey = true;

  // base64url <-> ArrayBuffer.
  function toBuffer(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }
  function toBase64url(buf) {
    if (!buf) {
      return undefined;
    }
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  var bases = {
    register: "/account/passkeys",
    login: "/login/passkey",
    second: "/login/passkey/second"
  };

  function post(url, form, extra) {
    var body = new URLSearchParams();
    var csrf = form.querySelector('input[name="_csrf"]');
    body.set("_csrf", csrf ? csrf.value : "");
    Object.keys(extra || {}).forEach(function (k) {
      body.set(k, extra[k]);
    });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      body: body
    }).then(function (r) {
      return r.json().catch(function () {
        return { error: "The server did not answer (" + r.status + ")." };
      }).then(function (j) {
        if (!r.ok && !j.error) {
          j.error = "The request failed (" + r.status + ").";
        }
        return j;
      });
    });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) {
      c.id = toBuffer(c.id);
    });
    return { publicKey: pk };
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) {
      c.id = toBuffer(c.id);
    });
    return { publicKey: pk };
  }

  function credentialJSON(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: toBase64url(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      out.response.userHandle = toBase64url(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function say(form, msg) {
    var s = form.querySelector("[data-passkey-status]");
    if (s) {
      s.textContent = msg;
    }
  }

  // run performs one ceremony of the form's kind; mediation "conditional"
  // is the login page's autofill request, aborted by signal.
  function run(form, kind, mediation, signal) {
    var base = bases[kind];
    var extra = {};
    if (kind === "register") {
      var name = form.querySelector('input[name="name"]');
      if (name && !name.reportValidity()) {
        return Promise.resolve();
      }
      extra.name = name ? name.value : "";
    }
    return post(base + "/begin", form).then(function (j) {
      if (j.error) {
        throw new Error(j.error);
      }
      if (kind === "register") {
        return navigator.credentials.create(creationOptions(j.options));
      }
      var opts = requestOptions(j.options);
      if (mediation) {
        opts.mediation = mediation;
        opts.signal = signal;
      }
      return navigator.credentials.get(opts);
    }).then(function (cred) {
      if (!cred) {
        throw new Error("No passkey was chosen.");
      }
      extra.response = credentialJSON(cred);
      return post(base + "/finish", form, extra);
    }).then(function (j) {
      if (j.error) {
        throw new Error(j.error);
      }
      var next = new URL(j.redirect || "/account", window.location.href);
      if (next.pathname === window.location.pathname && next.search === window.location.search) {
        // Only the fragment differs: assign would not load the page again.
        window.location.hash = next.hash;
        window.location.reload();
        return;
      }
      window.location.assign(next.href);
    });
  }

  function failed(form, err) {
    if (err && err.name === "AbortError") {
      return;
    }
    if (err && err.name === "NotAllowedError") {
      say(form, "The passkey request was cancelled or timed out.");
      return;
    }
    say(form, (err && err.message) || "The passkey did not work.");
  }

  function setup() {
    if (!window.PublicKeyCredential || !navigator.credentials) {
      return;
    }
    var forms = document.querySelectorAll("form[data-passkey]");
    Array.prototype.forEach.call(forms, function (form) {
      var kind = form.getAttribute("data-passkey");
      if (!bases[kind]) {
        return;
      }
      var button = form.querySelector("[data-passkey-button]");
      var nojs = form.querySelector("[data-passkey-nojs]");
      if (button) {
        button.hidden = false;
      }
      if (nojs) {
        nojs.hidden = true;
      }
      var conditional = null;
      var pending = Promise.resolve();
      if (kind === "login" && PublicKeyCredential.isConditionalMediationAvailable) {
        pending = PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
          if (!ok) {
            return;
          }
          conditional = new AbortController();
          var started;
          var begun = new Promise(function (resolve) {
            started = resolve;
          });
          // Only the begin step must finish before a button ceremony
          // replaces the conditional one's server-side state.
          var origFetch = post;
          post = function (url, f, extra) {
            var p = origFetch(url, f, extra);
            if (url === base(kind) + "/begin" && started) {
              p.then(started, started);
              started = null;
            }
            return p;
          };
          // The autofill request fails quietly (no passkey, an IP-address
          // host, a cancelled prompt): the button and the password remain.
          run(form, kind, "conditional", conditional.signal).catch(function () {});
          return begun;
        }).catch(function () {});
      }
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        say(form, "Waiting for your passkey…");
        pending.then(function () {
          if (conditional) {
            conditional.abort();
            conditional = null;
          }
          return run(form, kind);
        }).catch(function (err) {
          failed(form, err);
        });
      });
    });
  }

  function base(kind) {
    return bases[kind];
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
