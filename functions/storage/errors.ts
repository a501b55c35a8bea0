import { InternalError } from '../errors/service-error.js';

/** Too many writers racing for one conversation's next cseq: the caller should retry later. */
export class ConversationBusyError extends InternalError<'CONVERSATION_BUSY'> {
  override readonly code = 'CONVERSATION_BUSY';

  constructor(readonly conversationId: string) {
    super(`could not append to ${conversationId}: too much contention`);
  }
}

/** DynamoDB answered in a way its documented contract rules out (a failed condition without the item it asked for). */
export class UnexpectedStorageStateError extends InternalError<'UNEXPECTED_STORAGE_STATE'> {
  override readonly code = 'UNEXPECTED_STORAGE_STATE';
}
