// Request signing settings: whether the page signs its API calls with
// SigV4 (service execute-api), the region and the credentials. Off by
// default. Kept in this tab's sessionStorage only (gone when the tab
// closes), never in localStorage; the credentials leave the page only as
// the signature (see api.js).

const KEY = 'stepwise.signing';
export const SERVICE = 'execute-api';

// regionFromHost guesses the region of an API Gateway default endpoint
// (<id>.execute-api.<region>.amazonaws.com); '' elsewhere.
export function regionFromHost(hostname) {
  const m = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(hostname);
  return m ? m[1] : '';
}

function stored() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && typeof s === 'object' ? s : null;
  } catch {
    return null;
  }
}

// signing returns { region, accessKeyId, secretAccessKey, sessionToken }
// when signing is on, else null.
export function signing() {
  const s = stored();
  return s && s.enabled && s.region && s.accessKeyId && s.secretAccessKey ? s : null;
}

// check returns what is wrong with the settings, or ''.
export function check(s) {
  if (!s.enabled) return '';
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(s.region)) return `Region: "${s.region}" is not a region name such as us-east-1.`;
  if (!/^[A-Z0-9]{16,128}$/.test(s.accessKeyId)) return 'Access key ID: 16 to 128 upper-case letters and digits (AKIA… or ASIA…).';
  if (!s.secretAccessKey) return 'Secret access key: required to sign.';
  if (/\s/.test(s.sessionToken)) return 'Session token: must not contain spaces or line breaks.';
  return '';
}

// setupDialog wires the header button and the dialog of index.html;
// onChange runs after the settings are saved or forgotten.
export function setupDialog(onChange) {
  const dialog = document.getElementById('signing');
  const opener = document.getElementById('signing-open');
  const form = document.getElementById('signing-form');
  const error = document.getElementById('signing-error');
  const field = (id) => document.getElementById(id);
  const on = field('signing-on');
  const inputs = { region: field('signing-region'), accessKeyId: field('signing-key'), secretAccessKey: field('signing-secret'), sessionToken: field('signing-token') };
  if (!dialog || !opener) return;

  const label = () => {
    const s = signing();
    opener.textContent = s ? `Request signing: on (${s.region})` : 'Request signing: off';
    opener.toggleAttribute('data-on', !!s);
  };
  const showError = (msg) => {
    error.textContent = msg;
    error.hidden = !msg;
  };
  const fill = () => {
    const s = stored() || {};
    on.checked = !!s.enabled;
    inputs.region.value = s.region || regionFromHost(location.hostname);
    for (const k of ['accessKeyId', 'secretAccessKey', 'sessionToken']) inputs[k].value = s[k] || '';
    showError('');
  };
  const close = () => {
    dialog.close();
    // The secret is not kept in the form once the dialog is closed.
    inputs.secretAccessKey.value = '';
    inputs.sessionToken.value = '';
    opener.focus();
  };
  opener.addEventListener('click', () => {
    fill();
    dialog.showModal();
    on.focus();
  });
  field('signing-cancel').addEventListener('click', close);
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(); }); // Escape
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = { enabled: on.checked };
    for (const k in inputs) s[k] = inputs[k].value.trim();
    const problem = check(s);
    if (problem) {
      showError(problem);
      return;
    }
    // Off keeps the region only: no credentials are stored unused.
    sessionStorage.setItem(KEY, JSON.stringify(s.enabled ? s : { enabled: false, region: s.region }));
    label();
    close();
    onChange();
  });
  field('signing-forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    label();
    close();
    onChange();
  });
  label();
}
