import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TaskStore } from '@app/tasks';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import { RateLimit } from '../guards/throttle/rate-limit.decorator.js';
import { ProblemException, validationProblem } from '../problem/problem.js';
import { ProblemDto, TaskStatusDto } from '../video/dto/task-status.dto.js';
import { toTaskView, type TaskView } from '../video/task-view.js';
import { MAX_PAGE_SIZE, parseTaskListQuery } from './list-query.js';

export interface TaskPage {
  items: TaskView[];
  page: number;
  size: number;
  total: number;
  totalPages: number;
}

class TaskPageDto {
  @ApiProperty({ type: [TaskStatusDto] }) items!: TaskStatusDto[];
  @ApiProperty({ minimum: 1, description: '1-based page number' }) page!: number;
  @ApiProperty({ minimum: 1, maximum: MAX_PAGE_SIZE }) size!: number;
  @ApiProperty({ minimum: 0, description: 'Tasks of the owner in all pages' }) total!: number;
  @ApiProperty({ minimum: 0 }) totalPages!: number;
}

@ApiTags('video')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid bearer token', type: ProblemDto })
@Controller('api/video/tasks')
export class TasksListController {
  private readonly resultBaseUrl: string;

  constructor(
    private readonly tasks: TaskStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.resultBaseUrl = config.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? '';
  }

  @Get()
  @RateLimit('status')
  @ApiOperation({ summary: "The caller's tasks, newest first, a page at a time (admins may name another owner)" })
  @ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 } })
  @ApiQuery({ name: 'size', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 } })
  @ApiQuery({ name: 'owner', required: false, schema: { type: 'string', minLength: 1, maxLength: 256 }, description: 'admins only' })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiResponse({ status: 403, description: 'owner names someone else and the caller is not an admin', type: ProblemDto })
  @ApiResponse({ status: 422, description: 'page or size out of range', type: ProblemDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<TaskPage> {
    const parsed = parseTaskListQuery(query);
    if (Array.isArray(parsed)) throw validationProblem(parsed);
    const owner = parsed.owner ?? principal.owner;
    if (owner !== principal.owner && !isAdmin(principal)) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', "only an admin may list another owner's tasks");
    }
    const { total, tasks } = await this.tasks.listByOwner(owner, (parsed.page - 1) * parsed.size, parsed.size);
    return {
      items: tasks.map((task) => toTaskView(task, null, this.resultBaseUrl)),
      page: parsed.page,
      size: parsed.size,
      total,
      totalPages: Math.ceil(total / parsed.size),
    };
  }
}
