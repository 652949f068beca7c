import { Module } from '@nestjs/common';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { ALL_QUEUES } from '@corridor/contracts';
import { QueuesBoardController } from './queues-board.controller';
import { QUEUES_BOARD_PATH, QueuesBoardSessions } from './queues-board.session';

/** Sessions live in their own module so the board's root module can inject them into its middleware. */
@Module({ providers: [QueuesBoardSessions], exports: [QueuesBoardSessions] })
class QueuesBoardSessionsModule {}

/**
 * Bull Board at /admin/queues for admins (every Corridor queue; retry, promote and clean are
 * Bull Board's own). Its pages are guarded by the signed session cookie of QueuesBoardSessions,
 * which POST /v1/admin/queues/session sets for an admin key.
 */
@Module({
  imports: [
    QueuesBoardSessionsModule,
    BullBoardModule.forRootAsync({
      imports: [QueuesBoardSessionsModule],
      inject: [QueuesBoardSessions],
      useFactory: (sessions: QueuesBoardSessions) => ({
        route: QUEUES_BOARD_PATH,
        // @bull-board/express pins @bull-board/api one patch behind @bull-board/nestjs: same shape, other type identity.
        adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        middleware: sessions.middleware(),
        boardOptions: { uiConfig: { boardTitle: 'Corridor queues' } },
      }),
    }),
    BullBoardModule.forFeature(...ALL_QUEUES.map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
  controllers: [QueuesBoardController],
})
export class QueuesBoardModule {}
