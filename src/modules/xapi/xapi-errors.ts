// The LRS answers errors with the status code the xAPI spec requires and a JSON body a developer can act on.
// Kept apart from the app's DomainErrors: the LRS has its own error handler in its own scope.
export class XapiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
