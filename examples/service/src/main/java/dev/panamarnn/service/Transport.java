package dev.panamarnn.service;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Netty's socket transport for the service: Java NIO (everywhere), Linux's native epoll
 * (netty-transport-native-epoll), or AUTO: epoll where it loads, NIO elsewhere.
 */
enum Transport {
    NIO, EPOLL, AUTO;

    /** NIO or EPOLL: AUTO becomes EPOLL where Netty's epoll library loads (Linux x86-64), NIO elsewhere. */
    Transport resolved() {
        return this != AUTO ? this : Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The event loops' I/O handler; EPOLL where it is not available is an IllegalArgumentException naming why. */
    IoHandlerFactory ioHandlers() {
        return switch (resolved()) {
            case NIO, AUTO -> NioIoHandler.newFactory();
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("--transport epoll is not available here (" + Epoll.unavailabilityCause()
                            + "); use --transport nio");
                }
                yield EpollIoHandler.newFactory();
            }
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return resolved() == NIO ? NioServerSocketChannel.class : EpollServerSocketChannel.class;
    }
}
