/** An error caused by the user's input (files, flags, request bodies): reported in one line, never with a stack. */
export class InputError extends Error {
  override name = 'InputError';
}
