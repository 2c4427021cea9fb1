/** An error the HTTP layer turns into `{ success:false, status, message }` with that status. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 408 | 413 | 415 | 422 | 429 | 500 | 503,
    message: string,
  ) {
    super(message)
  }
}
