import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrorDto } from '../errors/api-error.dto';
import { AuthenticatedKey, CurrentKey } from '../auth/current-key.decorator';
import { Roles } from '../auth/roles.decorator';
import { QUEUES_BOARD_PATH, QUEUES_COOKIE, QUEUES_SESSION_SECONDS, QueuesBoardSessions } from './queues-board.session';

export class QueuesBoardSessionDto {
  @ApiProperty({ example: QUEUES_BOARD_PATH, description: 'Where the board is; the session cookie is scoped to this path' }) path: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt: Date;
}

@ApiTags('operations')
@Controller('v1/admin/queues')
export class QueuesBoardController {
  constructor(private readonly sessions: QueuesBoardSessions) {}

  @Post('session')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Open a 15-minute Bull Board session: sets an HttpOnly, SameSite=Strict cookie scoped to /admin/queues, signed and tied to this admin key',
  })
  @ApiOkResponse({ type: QueuesBoardSessionDto })
  @ApiForbiddenResponse({ type: ApiErrorDto })
  open(@CurrentKey() key: AuthenticatedKey, @Req() req: Request, @Res({ passthrough: true }) res: Response): QueuesBoardSessionDto {
    const { value, expiresAt } = this.sessions.issue(key.id);
    res.cookie(QUEUES_COOKIE, value, {
      path: QUEUES_BOARD_PATH,
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      maxAge: QUEUES_SESSION_SECONDS * 1000,
    });
    return { path: QUEUES_BOARD_PATH, expiresAt };
  }
}
