// My Care Record viewer: sign-in with OpenID Connect, authorization code + PKCE (S256), as a
// public client. No library: the Web Crypto API makes the verifier's challenge.
//
// The access token lives in sessionStorage (this tab only, gone when it closes) and goes to
// /api as a bearer token; nothing else about the user is trusted by the service. The
// issuer and client id come from /api/config, the endpoints from the issuer's discovery
// document, so pointing the service at NHS CIS2 moves the viewer with it.
"use strict";

const Auth = (() => {
  const SESSION = "mcr.session";
  const PENDING = "mcr.pkce";
  const CALLBACK = "/auth/callback";
  let config = null;
  let endpoints = null;

  function base64url(bytes) {
    let text = "";
    for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function randomText(size) {
    return base64url(crypto.getRandomValues(new Uint8Array(size)));
  }

  async function challengeOf(verifier) {
    return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  }

  function redirectUri() {
    return `${location.origin}${CALLBACK}`;
  }

  async function load() {
    if (endpoints) return;
    config = await (await fetch("/api/config", { cache: "no-store" })).json();
    const discovery = `${config.issuer}/.well-known/openid-configuration`;
    endpoints = await (await fetch(discovery, { cache: "no-store" })).json();
  }

  async function signIn() {
    await load();
    const verifier = randomText(48);
    const state = randomText(24);
    sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
    const query = new URLSearchParams({
      response_type: "code",
      client_id: config.client_id,
      redirect_uri: redirectUri(),
      scope: "openid",
      state,
      code_challenge: await challengeOf(verifier),
      code_challenge_method: "S256",
    });
    location.assign(`${endpoints.authorization_endpoint}?${query}`);
  }

  // On the callback page: trade the code for tokens (checking the state), then go home.
  // Returns an error text, or null when there was nothing to do or it worked.
  async function finishSignIn() {
    if (location.pathname !== CALLBACK) return null;
    const params = new URLSearchParams(location.search);
    const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
    sessionStorage.removeItem(PENDING);
    history.replaceState(null, "", "/");
    if (params.get("error")) return "sign-in was cancelled or refused";
    if (!pending || params.get("state") !== pending.state || !params.get("code")) {
      return "sign-in could not be completed (start it again)";
    }
    await load();
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri(),
      client_id: config.client_id,
      code_verifier: pending.verifier,
    });
    const response = await fetch(endpoints.token_endpoint, { method: "POST", body: form });
    if (!response.ok) return "sign-in could not be completed (the identity provider refused)";
    const tokens = await response.json();
    const session = {
      access_token: tokens.access_token,
      id_token: tokens.id_token,
      expires_at: Date.now() + 1000 * Number(tokens.expires_in || 300),
    };
    sessionStorage.setItem(SESSION, JSON.stringify(session));
    return null;
  }

  function session() {
    const found = JSON.parse(sessionStorage.getItem(SESSION) || "null");
    return found && found.expires_at > Date.now() + 5000 ? found : null;
  }

  function token() {
    const found = session();
    return found ? found.access_token : null;
  }

  async function signOut() {
    const found = JSON.parse(sessionStorage.getItem(SESSION) || "null");
    sessionStorage.clear();
    await load();
    const query = new URLSearchParams({
      client_id: config.client_id,
      post_logout_redirect_uri: `${location.origin}/`,
    });
    if (found && found.id_token) query.set("id_token_hint", found.id_token);
    location.assign(`${endpoints.end_session_endpoint}?${query}`);
  }

  return { signIn, finishSignIn, token, signOut };
})();
