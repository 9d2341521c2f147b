import { Injectable, type PipeTransform } from '@nestjs/common';
import { TASK_ID_PATTERN } from '@app/contracts';
import { validationProblem } from '../problem/problem.js';

/** Rejects malformed ids before they reach Redis. */
@Injectable()
export class TaskIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TASK_ID_PATTERN.test(value)) {
      throw validationProblem([{ field: 'taskId', message: 'must be 8-64 characters of A-Z, a-z, 0-9, _ or -' }]);
    }
    return value;
  }
}
