import { Module } from '@nestjs/common';
import { ImageInputService } from './image-input.js';
import { VideoController } from './video.controller.js';
import { VideoService } from './video.service.js';

@Module({ controllers: [VideoController], providers: [VideoService, ImageInputService], exports: [VideoService, ImageInputService] })
export class VideoModule {}
