import { Module } from '@nestjs/common';
import { CrmModule } from '@corridor/crm';
import { CrmWritebackProcessor } from './crm-writeback.processor';
import { CrmWritebackService } from './crm-writeback.service';

@Module({
  imports: [CrmModule],
  providers: [CrmWritebackService, CrmWritebackProcessor],
  exports: [CrmWritebackService],
})
export class CrmWritebackWorkerModule {}
