// Sign in: head office people with their name and password; on a branch laptop, the one-time link
// that `dsptsync ui` printed.

import { post, ApiError } from '../api.js';
import { h } from '../dom.js';
import { pageHeading, textInput, passwordInput, button, insetText, setFieldError, clearFieldErrors } from '../nhs.js';
import { state as appState, setSession, showErrors, navigate } from '../app.js';

export async function render({ state }) {
  if (state.session) {
    return { title: 'Signed in', body: [pageHeading('You are signed in'), h('p', {}, h('a', { href: '#/dashboard', text: 'Go to the dashboard' }))] };
  }
  const notice = state.signedOutMessage;
  state.signedOutMessage = null;
  if (state.mode === 'branch') return branchPage(notice);
  return headOfficePage(notice);
}

function branchPage(notice) {
  return {
    title: 'Sign in',
    body: [
      pageHeading('Open the link dsptsync ui printed'),
      notice ? insetText(h('p', { text: notice })) : null,
      h('p', {}, 'This app runs on this computer and has no password. To sign in, open the one-time link that ',
        h('code', { text: 'dsptsync ui' }), ' printed in the terminal (it also tries to open it in your browser).'),
      h('p', {}, 'Each link works once. If it has been used or has expired, stop ', h('code', { text: 'dsptsync ui' }),
        ' (Ctrl-C) and run it again for a new link.'),
    ],
  };
}

function headOfficePage(notice) {
  const form = h('form', { novalidate: true, id: 'signin-form', action: '/', method: 'post' },
    textInput({ id: 'user', label: 'Your name', hint: 'As your administrator set it up, for example Priya Shah', autocomplete: 'username', spellcheck: 'false', width: 20 }),
    passwordInput({ id: 'password', label: 'Password' }),
    button('Sign in', { id: 'signin-button' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(form);
  });
  return {
    title: 'Sign in',
    body: [
      h('div', { class: 'nhsuk-grid-row' },
        h('div', { class: 'nhsuk-grid-column-two-thirds' },
          pageHeading('Sign in to DSPT sync'),
          notice ? insetText(h('p', { text: notice })) : null,
          h('p', { text: 'Sign in with your name and the password you set. New here, or forgotten your password? Ask your head office administrator for a link to set one.' }),
          form)),
    ],
  };
}

async function submit(form) {
  clearFieldErrors(form);
  const user = form.querySelector('#user');
  const password = form.querySelector('#password');
  const errors = [];
  if (!user.value.trim()) errors.push({ text: 'Enter your name', href: `#${setFieldError(user, 'Enter your name')}` });
  if (!password.value) errors.push({ text: 'Enter your password', href: `#${setFieldError(password, 'Enter your password')}` });
  if (errors.length) {
    showErrors(errors);
    return;
  }
  const submitButton = form.querySelector('#signin-button');
  submitButton.disabled = true;
  try {
    const session = await post('/api/session', { user: user.value.trim(), password: password.value });
    setSession(session);
    const target = appState.returnTo && appState.returnTo !== '#/signin' ? appState.returnTo : '#/dashboard';
    appState.returnTo = null;
    navigate(target);
  } catch (error) {
    password.value = '';
    let message = error.message;
    if (error instanceof ApiError && error.status === 429 && error.retryAfter) {
      const seconds = Number(error.retryAfter);
      if (Number.isFinite(seconds) && seconds > 0) {
        const minutes = Math.ceil(seconds / 60);
        message = `${error.message} (you can try again in ${minutes === 1 ? '1 minute' : `${minutes} minutes`})`;
      }
    }
    const href = `#${setFieldError(error.status === 429 ? user : password, message)}`;
    showErrors([{ text: message, href }]);
  } finally {
    submitButton.disabled = false;
  }
}
