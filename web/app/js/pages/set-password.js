// The page a one-time set-password link opens (#/set-password/TOKEN): no session, the link is the
// key. The person types a new password twice; the server checks the link and the password rules
// (the same as `dsptsync-server user passwd`), then they sign in with it.

import { post } from '../api.js';
import { h } from '../dom.js';
import { pageHeading, passwordInput, button, insetText, setFieldError, clearFieldErrors } from '../nhs.js';
import { state as appState, showErrors, showSuccess } from '../app.js';

// As limits.h kMinPasswordChars: checked here only to say so before sending; the server decides.
const MIN_PASSWORD_CHARS = 10;

export async function render({ params }) {
  const token = params[0] || '';
  const form = h('form', { novalidate: true, id: 'set-password-form', action: '/', method: 'post' },
    passwordInput({ id: 'new-password', label: 'New password', autocomplete: 'new-password' }),
    passwordInput({ id: 'new-password-again', label: 'Type it again', autocomplete: 'new-password' }),
    button('Set my password', { id: 'set-password-button' }));
  const done = h('div', { id: 'set-password-done' });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(form, token, done);
  });
  return {
    title: 'Set your password',
    body: [
      h('div', { class: 'nhsuk-grid-row' },
        h('div', { class: 'nhsuk-grid-column-two-thirds' },
          pageHeading('Set your password'),
          appState.session ? insetText(h('p', { text: `You are signed in as ${appState.session.user}. Setting a password here sets it for the person this link was sent to.` })) : null,
          h('p', { text: `Choose a password of at least ${MIN_PASSWORD_CHARS} characters. Three random words make a strong one that is easy to remember.` }),
          h('p', { text: 'This link works once. If someone else may have seen it, ask your head office administrator for a new one.' }),
          done,
          form)),
    ],
  };
}

async function submit(form, token, done) {
  clearFieldErrors(form);
  const password = form.querySelector('#new-password');
  const again = form.querySelector('#new-password-again');
  const errors = [];
  if (!password.value) {
    errors.push({ text: 'Enter a new password', href: `#${setFieldError(password, 'Enter a new password')}` });
  } else if ([...password.value].length < MIN_PASSWORD_CHARS) {
    const text = `Enter a password of at least ${MIN_PASSWORD_CHARS} characters`;
    errors.push({ text, href: `#${setFieldError(password, text)}` });
  }
  if (password.value && again.value !== password.value) {
    errors.push({ text: 'The two passwords are different: type the same one twice', href: `#${setFieldError(again, 'The two passwords are different: type the same one twice')}` });
  }
  if (errors.length) {
    showErrors(errors);
    return;
  }
  const submitButton = form.querySelector('#set-password-button');
  submitButton.disabled = true;
  let result;
  try {
    result = await post('/api/set-password', { token, password: password.value });
  } catch (error) {
    submitButton.disabled = false;
    const control = error.field === 'password' ? password : null;
    showErrors([{ text: error.message, href: control ? `#${setFieldError(control, error.message)}` : '#new-password' }]);
    return;
  }
  form.remove();
  done.replaceChildren(
    h('p', {}, 'You can now ', h('a', { href: '#/signin', id: 'set-password-signin', text: 'sign in' }), ` as ${result.user} with your new password.`));
  showSuccess('Your password is set');
}
