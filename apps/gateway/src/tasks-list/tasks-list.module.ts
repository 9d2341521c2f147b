import { Module } from '@nestjs/common';
import { TasksListController } from './tasks-list.controller.js';

@Module({ controllers: [TasksListController] })
export class TasksListModule {}
