import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule } from '../src/auth/auth.module';
import { ConfigModule } from '@corridor/config';
import { PersistenceModule } from '@corridor/persistence';
import { createTestContext, TestContext } from '@corridor/testing';
import { Public } from '../src/auth/roles.decorator';

@Controller('forgetful')
class ForgetfulController {
  @Get('open')
  @Public()
  open() {
    return 'ok';
  }

  @Get('oops')
  oops() {
    return 'should never be served';
  }
}

@Module({ imports: [ConfigModule, PersistenceModule, AuthModule], controllers: [ForgetfulController] })
class ForgetfulModule {}

describe('a route without @Roles or @Public', () => {
  let ctx: TestContext;
  beforeAll(async () => (ctx = await createTestContext()));
  afterAll(() => ctx.dispose());

  it('stops the app at boot, naming the route', async () => {
    const app = await NestFactory.create(ForgetfulModule, { logger: false });
    await expect(app.init()).rejects.toThrow(/Every endpoint must declare @Roles\(\.\.\.\) or @Public\(\)[\s\S]*GET \/forgetful\/oops \(ForgetfulController\.oops\)/);
    await app.close();
  });
});
