import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '@corridor/config';
import { httpLoggerOptions } from './pino-options';

/**
 * JSON logs through nestjs-pino for one app. In an HTTP app it also logs each request (with its
 * correlation id); in the worker and the CLI only what code logs. Make it the app's logger with
 * `app.useLogger(app.get(Logger))` (Logger from nestjs-pino).
 */
@Module({})
export class LoggingModule {
  static forApp(app: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({ pinoHttp: httpLoggerOptions({ app, level: config.LOG_LEVEL }) }),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
